// The cost of the image pipeline, with podman and a local registry, side by side in one run:
//   1. scripts/build-images.sh (production image) for (a) a first build — no layer cache, empty
//      registry —, (b) a code-only change and (c) a requirements change: build time, bytes pushed to
//      the registry (new blobs), layers reused;
//   2. sizes: the stand-in Python image, the base, the production image, and the production image
//      with what it does not need at run time removed (squashed), started to prove it still runs
//      the stack; what dominates the production image;
//   3. the demo's path end to end (npm run demo), by step, and the time to recover from the broken v2.
// Prints a Markdown section for docs/benchmarks.md.
//
//   npm run bench:pipeline -- [--skip-demo]
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { repositoryRoot } from '../src/demo/demo.js';
import { accountPush, registryBlobs, startLocalRegistry, type PushAccount } from '../src/demo/local-registry.js';
import { runPipelineDemo, type PipelineDemoResult } from '../src/demo/pipeline-demo.js';
import { ensureStandInPythonImage, runScript, STAND_IN_PYTHON_IMAGE } from '../src/demo/pipeline-steps.js';
import { inspectImage } from '../test/django/support/images.js';
import { curlInside, removeImageStack, startImageStack } from '../test/django/support/image-stack.js';
import { sleep } from '../test/django/support/processes.js';

const exec = promisify(execFile);
const { values } = parseArgs({ options: { 'skip-demo': { type: 'boolean' } } });
const root = repositoryRoot();
const MiB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const podman = (...args: string[]) => exec('podman', ['--cgroup-manager=cgroupfs', ...args], { maxBuffer: 64 * 1024 * 1024 });

interface Build {
  name: string;
  seconds: number;
  baseRebuilt: boolean;
  push: PushAccount;
  imageRef: string;
  baseRef: string;
}

/** The image by a registry reference (digest refs are not names podman has for what it built). */
async function pulled(ref: string): Promise<string> {
  if (ref.startsWith('localhost/')) return ref;
  return (await podman('pull', '--quiet', '--tls-verify=false', ref)).stdout.trim();
}

async function imageSize(ref: string): Promise<number> {
  ref = await pulled(ref);
  return Number((await podman('image', 'inspect', '--format', '{{.Size}}', ref)).stdout.trim());
}

/** du -sb of paths inside an image's filesystem (podman create + mount), largest first. */
async function sizesInside(ref: string, paths: string[]): Promise<{ path: string; bytes: number }[]> {
  const container = (await podman('create', await pulled(ref))).stdout.trim();
  try {
    const mount = (await podman('mount', container)).stdout.trim();
    const out: { path: string; bytes: number }[] = [];
    for (const p of paths) {
      const du = await exec('du', ['-sb', path.join(mount, p)]).catch(() => ({ stdout: '0' }));
      out.push({ path: p, bytes: Number(du.stdout.split('\t')[0]) });
    }
    return out.sort((a, b) => b.bytes - a.bytes);
  } finally {
    await podman('umount', container).catch(() => undefined);
    await podman('rm', '-f', container).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'bench-pipeline-'));
  const log = path.join(work, 'scripts.log');
  const registry = await startLocalRegistry(path.join(work, 'registry'));
  const lines: string[] = [];
  const out = (line = ''): void => {
    lines.push(line);
    console.log(line);
  };
  try {
    await ensureStandInPythonImage((l) => console.error(l));
    const context = path.join(work, 'context');
    await exec('/usr/bin/python3', [path.join(root, 'django-app/bin/make-build-context'), context]);
    // A repository name of its own: nothing this run pushes was in the registry or podman's cache by that name.
    const repo = `${registry.host}/bench-${Date.now()}`;
    const build = async (name: string, extraEnv: Record<string, string>): Promise<Build> => {
      const before = await registryBlobs(registry.storage);
      const result = await runScript(path.join(root, 'scripts/build-images.sh'), {
        CONTEXT: context,
        IMAGE_REPOSITORY: repo,
        BASE_REPOSITORY: `${repo}-base`,
        IMAGE_TAG: name.replace(/[^A-Za-z0-9_.-]/g, '-'),
        IMAGE_DOCKERFILE: 'docker/Dockerfile.production',
        BASE_BUILD_ARGS: `PYTHON_IMAGE=${STAND_IN_PYTHON_IMAGE}\nPYTHON_PACKAGES=debian`,
        IMAGE_BUILD_ARGS: `APP_VERSION=${name.replace(/[^A-Za-z0-9_.-]/g, '-')}`,
        BUILDER: 'podman',
        TLS_VERIFY: 'false',
        ...extraEnv,
      }, log, /^build-images: (base already|building)/, (l) => console.error(`  ${l}`));
      if (result.code !== 0) throw new Error(`build-images.sh (${name}) failed; see ${log}`);
      const imageRef = result.outputs['image-ref'] ?? '';
      return { name, seconds: result.seconds, baseRebuilt: result.outputs['base-rebuilt'] === 'true', push: await accountPush(imageRef, before, registry.storage), imageRef, baseRef: result.outputs['base-ref'] ?? '' };
    };

    console.error('(a) first build: no layer cache (BUILDAH_LAYERS=false), empty registry');
    const first = await build('a first build', { BUILDAH_LAYERS: 'false', FORCE_BASE_BUILD: 'true' });
    console.error('(b) code-only change: a line in notes/views.py');
    await appendFile(path.join(context, 'notes/views.py'), '\n# bench: a code-only change\n');
    const code = await build('b code-only change', {});
    console.error('(c) requirements change: a line in requirements/production.txt');
    await appendFile(path.join(context, 'requirements/production.txt'), '\n# bench: a requirements change\n');
    const requirements = await build('c requirements change', {});

    // What the code-only target is measured against: the project and its collected static files.
    const project = Number((await exec('du', ['-sb', '--exclude=__pycache__', '--exclude=docker', context])).stdout.split('\t')[0]);
    const [staticFiles] = await sizesInside(code.imageRef, ['/srv/static']);
    const appBytes = project + (staticFiles?.bytes ?? 0);

    const now = new Date().toISOString().slice(0, 16).replace('T', ' ');
    out(`## Pipeline benchmarks — ${now} UTC`);
    out();
    out(`\`npm run bench:pipeline\` (\`bench/pipeline.ts\`): podman ${(await exec('podman', ['--version'])).stdout.trim().split(' ').at(-1)} (chroot isolation), Debian's docker-registry on 127.0.0.1, ${availableParallelism()} cores (load ${loadavg()[0]?.toFixed(2)} at the start of the write-up), the production image FROM the Debian stand-in base (Debian's python3-django etc. from deb.debian.org: PyPI is unreachable here).`);
    out();
    out('### 1. Builds: time and bytes pushed (scripts/build-images.sh, production image)');
    out();
    out('| build | base | build + push | pushed to the registry | layers reused |');
    out('| --- | --- | ---: | ---: | ---: |');
    for (const b of [first, code, requirements]) {
      out(`| ${b.name} | ${b.baseRebuilt ? 'built' : 'found, not rebuilt'} | ${b.seconds.toFixed(1)} s | ${MiB(b.push.bytesPushed)} | ${b.push.layersReused} of ${b.push.layers} |`);
    }
    out();
    const ratio = code.seconds / first.seconds;
    out(`Code-only target: pushed ${MiB(code.push.bytesPushed)} against a limit of 2 × (project ${MiB(project)} + collected static ${MiB(staticFiles?.bytes ?? 0)}) = ${MiB(2 * appBytes)} → ${code.push.bytesPushed <= 2 * appBytes ? 'met' : 'NOT met'}; ` +
      `base layers pushed again: ${code.baseRebuilt ? 'yes (NOT met)' : 'none'}; build ${(ratio * 100).toFixed(0)} % of the first (target ≤ 20 %) → ${ratio <= 0.2 ? 'met' : 'NOT met'}.`);
    out();

    console.error('sizes');
    const standIn = await imageSize(STAND_IN_PYTHON_IMAGE);
    const base = await imageSize(code.baseRef);
    const production = await imageSize(code.imageRef);
    const inside = await sizesInside(code.imageRef, [
      '/usr/lib/python3/dist-packages', '/usr/lib/x86_64-linux-gnu', '/usr/share/doc', '/usr/share/locale', '/usr/share/man', '/usr/lib/python3.11',
      '/usr/share/perl', '/usr/lib/gcc', '/var/lib/dpkg', '/var/cache', '/usr/bin', '/usr/sbin', '/srv/static', '/srv/project', '/usr/share/javascript', '/usr/share/zoneinfo',
    ]);
    const packages = await sizesInside(code.imageRef, ['botocore', 'boto3', 'django', 'babel', 'psycopg2', 'setuptools', 'pip', 'pkg_resources', 'dateutil', 's3transfer', 'jmespath', 'urllib3']
      .map((p) => `/usr/lib/python3/dist-packages/${p}`));

    // The same image without what is not needed at run time, squashed so the removal counts.
    const trimmedTag = `localhost/bench-trimmed:${Date.now()}`;
    const trimDockerfile = path.join(work, 'Dockerfile.trimmed');
    const removed = ['/usr/share/doc', '/usr/share/man', '/usr/share/info', '/usr/share/locale', '/usr/share/lintian', '/var/cache/debconf', '/var/lib/apt/lists',
      '/usr/lib/python3/dist-packages/botocore/data/!(s3|sts|endpoints.json|partitions.json|sdk-default-configuration.json|_retry.json)'];
    await writeFile(trimDockerfile, [
      `FROM ${code.imageRef}`,
      'USER root',
      // botocore's data/ holds the API models of ~400 AWS services; django-storages talks to S3 only.
      `RUN bash -O extglob -c 'rm -rf ${removed.join(' ')}; find / -xdev -name __pycache__ -type d -prune -exec rm -rf {} +'`,
      'USER app',
      '',
    ].join('\n'));
    await podman('build', '--isolation=chroot', '--tls-verify=false', '--squash-all', '-f', trimDockerfile, '-t', trimmedTag, work);
    const trimmed = await imageSize(trimmedTag);
    let trimmedRuns = 'not checked';
    const info = await inspectImage(trimmedTag);
    const stack = await startImageStack(info, { SECRET_KEY: 'bench-'.padEnd(60, 'x'), AWS_STORAGE_BUCKET_NAME: 'bench' });
    try {
      let health = await curlInside(stack, 'http://127.0.0.1:7999/healthz');
      for (let i = 0; i < 100 && health.status !== 503 && health.status !== 200; i++) {
        await sleep(200);
        health = await curlInside(stack, 'http://127.0.0.1:7999/healthz');
      }
      trimmedRuns = `nginx → uWSGI → Django answers /healthz: ${health.status} ${health.body.trim()}`;
    } finally {
      await removeImageStack(stack);
      await podman('rmi', '-f', trimmedTag).catch(() => undefined);
    }

    out('### 2. Image sizes (uncompressed, podman)');
    out();
    out('| image | size |');
    out('| --- | ---: |');
    out(`| stand-in Python image (${STAND_IN_PYTHON_IMAGE}, debootstrap minbase) | ${MiB(standIn)} |`);
    out(`| base (stand-in + nginx-light + Debian's Django stack) | ${MiB(base)} |`);
    out(`| production image (base + project + collected static) | ${MiB(production)} (${MiB(production - base)} over the base; pushed compressed: ${MiB(code.push.imageBytes)}) |`);
    out(`| production image without docs, locales, apt lists, __pycache__ and botocore models other than S3/STS, squashed | ${MiB(trimmed)} |`);
    out();
    out(`The trimmed image still runs the stack (started from its rootfs in fresh namespaces, no database): ${trimmedRuns}.`);
    out();
    out('What dominates the production image (du inside it):');
    out();
    out('| path | size |');
    out('| --- | ---: |');
    for (const p of inside.filter((x) => x.bytes > 1024 * 1024)) out(`| ${p.path} | ${MiB(p.bytes)} |`);
    out();
    out('Largest Python packages (/usr/lib/python3/dist-packages):');
    out();
    out('| package | size |');
    out('| --- | ---: |');
    for (const p of packages.filter((x) => x.bytes > 512 * 1024)) out(`| ${path.basename(p.path)} | ${MiB(p.bytes)} |`);
    out();

    let demo: PipelineDemoResult | undefined;
    if (!values['skip-demo']) {
      console.error('the demo path (npm run demo), output in', path.join(work, 'demo.log'));
      const demoStarted = Date.now();
      demo = await runPipelineDemo({
        timeScale: 0.1,
        databaseUrl: 'postgres://postgres@127.0.0.1:5432/django_eb_bench_pipeline',
        registryDir: path.join(work, 'demo-registry'),
        print: (l) => void appendFile(path.join(work, 'demo.log'), `${l}\n`),
      });
      const total = (Date.now() - demoStarted) / 1000;
      out(`### 3. The demo's path end to end (time scale 0.1: EB's waits ×0.1; builds, pulls and processes in real time)`);
      out();
      out(`Story ${demo.held ? 'held' : 'did NOT hold'}; ${total.toFixed(1)} s in all, a first run (empty registry: the base is built — from podman's layer cache — and pushed).`);
      out();
      out('| step | time |');
      out('| --- | ---: |');
      for (const s of demo.steps) out(`| ${s.step} | ${s.seconds.toFixed(1)} s |`);
      out();
      for (const b of demo.builds) out(`- build ${b.label}: base ${b.baseRebuilt ? 'built' : 'found'}, ${b.seconds.toFixed(1)} s, ${MiB(b.push.bytesPushed)} pushed, ${b.push.layersReused} of ${b.push.layers} layers reused`);
      out(`- time to recover from the broken v2 (its deploy starting → failure detected → v1 redeployed and gated): ${demo.recoverSeconds?.toFixed(1) ?? '?'} s`);
      out();
    }
    await writeFile(path.join(work, 'result.md'), `${lines.join('\n')}\n`);
    console.error(`\n(${(await readFile(path.join(work, 'result.md'), 'utf8')).length} characters of Markdown above)`);
    if (demo && !demo.held) process.exitCode = 1;
  } finally {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
