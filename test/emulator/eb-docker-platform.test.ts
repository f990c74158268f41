// The emulator's Docker platform with the real pipeline pieces: scripts/build-images.sh (podman) pushes
// the dev image FROM the stand-in base to a local registry, scripts/make-bundle.sh writes the
// Dockerrun bundle naming it by digest, and the deploy action (its TypeScript entry, as the runner
// runs it) deploys it. Each instance pulls the image, runs it in namespaces of its own and serves
// /healthz from nginx inside; the postdeploy hook migrates PostgreSQL through `docker exec`; a
// bundle naming an image the registry does not have fails and the gate rolls back.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateApplicationCommand, CreateEnvironmentCommand, DescribeEventsCommand, DescribeInstancesHealthCommand, ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runEntry } from '../actions/run-entry.js';
import { removeImagesOf } from '../build-images/fixture.js';
import { startLocalRegistry, type LocalRegistry } from '../build-images/local-registry.js';
import { assembleContext, ensureStandInBase, STAND_IN_PYTHON_IMAGE } from '../django/support/images.js';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../django/support/postgres.js';
import { describeEnv, ENVIRONMENT_ROLES, waitFor } from '../support/emulator.js';

const run = promisify(execFile);
const REPO = path.resolve('.');
const APP = 'django-docker';
const ENV = 'django-docker-dev';
const RUN = randomBytes(3).toString('hex');

let registry: LocalRegistry | undefined;
let emulator: Emulator | undefined;
let eb: ElasticBeanstalkClient | undefined;
let work = '';
let dataDir = '';
let context = '';
let imageRef = '';
const database = uniqueDatabaseName('eb_docker');

/** scripts/build-images.sh as actions/build-images runs it, with podman and the Debian stand-in base. */
async function buildImages(): Promise<Record<string, string>> {
  const { stdout } = await run('bash', [path.join(REPO, 'scripts/build-images.sh')], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      CONTEXT: context,
      IMAGE_REPOSITORY: `${registry!.host}/django-app`,
      BASE_REPOSITORY: `${registry!.host}/django-base`,
      IMAGE_TAG: `run-${RUN}`,
      IMAGE_DOCKERFILE: 'docker/Dockerfile.dev',
      BASE_BUILD_ARGS: `PYTHON_IMAGE=${STAND_IN_PYTHON_IMAGE}\nPYTHON_PACKAGES=debian`,
      IMAGE_BUILD_ARGS: 'APP_VERSION=built-into-the-image',
      BUILDER: 'podman',
      TLS_VERIFY: 'false',
    },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  return Object.fromEntries(stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

async function makeBundle(label: string, ref: string): Promise<string> {
  const out = path.join(work, label);
  await run('bash', [path.join(REPO, 'scripts/make-bundle.sh')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', IMAGE_REF: ref, VERSION_LABEL: label, OUT_DIR: out, EB_DIR: path.join(REPO, 'docker/eb') },
  });
  return out;
}

const deploy = async (bundle: string, label: string) =>
  runEntry('deploy', {
    inputs: {
      'application-name': APP, 'environment-name': ENV, bundle, 'version-label': label,
      // Through the environment's load balancer, answered by Django inside the image, naming the label.
      'health-url': `http://${(await describeEnv(eb!, ENV)).CNAME ?? ''}/healthz`, 'health-url-expect-version': 'true', 'healthy-checks': '2', 'deploy-timeout': '90s', 'ready-timeout': '1m', rollback: 'true',
    },
    env: { ...emulator!.env, GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567' },
    timeoutMs: 240_000,
  });

async function healthz(cname: string | undefined): Promise<{ status: number; server: string; body: { version?: string; status?: string; database?: string } }> {
  const res = await fetch(`http://${cname ?? ''}/healthz`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, server: res.headers.get('server') ?? '', body: (await res.json()) as { version?: string } };
}

/** Processes whose command line, working directory or root is under `dir`. */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const places = [cmdline, readlinkSync(`/proc/${pid}/cwd`), readlinkSync(`/proc/${pid}/root`)];
      if (places.some((p) => p.includes(dir))) found.push(`${pid} ${cmdline}`);
    } catch {
      // gone, or a kernel thread
    }
  }
  return found;
}

describe('the emulator\'s Docker platform: a Dockerrun bundle of the dev image, pulled and run on each instance', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'eb-docker-'));
    dataDir = path.join(work, 'emulator');
    registry = await startLocalRegistry();
    await ensureStandInBase();
    context = await assembleContext();
    const built = await buildImages();
    imageRef = built['image-ref'] ?? '';
    expect(imageRef).toMatch(new RegExp(`^${registry.host}/django-app@sha256:[0-9a-f]{64}$`));
    await createDatabase(database);
    emulator = await startEmulator({ timeScale: 0.1, dataDir });
    eb = new ElasticBeanstalkClient({ endpoint: emulator.ebEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await eb.send(new CreateApplicationCommand({ ApplicationName: APP }));
    // Settings live on the environment (bundles carry none), as infra/eb-pipeline.yml sets them.
    const envVar = (OptionName: string, Value: string) => ({ Namespace: 'aws:elasticbeanstalk:application:environment', OptionName, Value });
    await eb.send(new CreateEnvironmentCommand({
      ApplicationName: APP,
      EnvironmentName: ENV,
      SolutionStackName: '64bit Amazon Linux 2023 v4.4.0 running Docker',
      OptionSettings: [
        { Namespace: 'aws:autoscaling:asg', OptionName: 'MinSize', Value: '2' },
        { Namespace: 'aws:autoscaling:asg', OptionName: 'MaxSize', Value: '2' },
        { Namespace: 'aws:elasticbeanstalk:environment:process:default', OptionName: 'HealthCheckPath', Value: '/healthz' },
        ...ENVIRONMENT_ROLES,
        envVar('SECRET_KEY', randomBytes(40).toString('base64url')),
        envVar('DATABASE_URL', databaseUrl(database)),
        envVar('AWS_STORAGE_BUCKET_NAME', 'media-bucket'),
        envVar('ALLOWED_HOSTS', '127.0.0.1,localhost'),
      ],
    }));
    await waitFor('environment launched', () => describeEnv(eb!, ENV), (e) => e.Status === 'Ready', 60_000, 200);
  }, 900_000);

  afterAll(async () => {
    eb?.destroy();
    await emulator?.stop();
    // The images built, pushed and pulled under this run's registry address (podman's layer cache stays).
    if (registry) await removeImagesOf(registry.host);
    await registry?.stop();
    await dropDatabase(database).catch(() => undefined);
    if (context) await rm(path.dirname(context), { recursive: true, force: true });
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it('deploys v1: both instances pull the image and serve /healthz from nginx inside it, with the bundle\'s label', async () => {
    const v1 = await deploy(await makeBundle('v1', imageRef), 'v1');
    expect(v1.errors, v1.stdout).toEqual([]);
    expect(v1.code).toBe(0);
    const env = await describeEnv(eb!, ENV);
    expect(env).toMatchObject({ Status: 'Ready', Health: 'Green', VersionLabel: 'v1' });
    const served = await healthz(env.CNAME);
    // The label comes from bundle-version/VERSION mounted at /run/bundle (Dockerrun Volumes), not the image's APP_VERSION.
    expect(served).toMatchObject({ status: 200, body: { status: 'ok', version: 'v1', database: 'ok' } });
    expect(served.server).toMatch(/^nginx/);
    // Two instances, one network namespace each, both listening on 7999 inside: no clash, both Ok.
    const instances = (await eb!.send(new DescribeInstancesHealthCommand({ EnvironmentName: ENV, AttributeNames: ['All'] }))).InstanceHealthList ?? [];
    expect(instances).toHaveLength(2);
    for (const i of instances) expect(i).toMatchObject({ HealthStatus: 'Ok', Deployment: { VersionLabel: 'v1', Status: 'Deployed' } });
    const unshares = processesUnder(dataDir).filter((p) => / unshare --mount --net --pid/.test(p));
    expect(unshares).toHaveLength(2);
    const namespaces = unshares.map((p) => readlinkSync(`/proc/${p.split(' ')[0]}/ns/net`));
    expect(new Set(namespaces).size).toBe(2);
    expect(namespaces).not.toContain(readlinkSync('/proc/self/ns/net'));
  });

  it('ran the postdeploy hook: `docker exec … migrate_with_lock` migrated PostgreSQL, as the image\'s user', async () => {
    const { stdout } = await run('psql', [databaseUrl(database), '-Atc', "select count(*) from django_migrations where app = 'notes'"]);
    expect(Number(stdout.trim())).toBeGreaterThan(0);
    const hookLogs = readdirSync(path.join(dataDir, 'eb', 'instances')).map((id) => readFileSync(path.join(dataDir, 'eb', 'instances', id, 'eb-hooks.log'), 'utf8'));
    expect(hookLogs.filter((log) => /01-migrate: running migrate_with_lock in container [0-9a-f]{12}/.test(log))).toHaveLength(2);
  });

  it('fails a bundle naming an image the registry does not have, and the gate rolls back to v1', async () => {
    const missing = imageRef.replace(/@sha256:.*/, `@sha256:${'0'.repeat(64)}`);
    const v2 = await deploy(await makeBundle('v2-missing-image', missing), 'v2-missing-image');
    expect(v2.code).toBe(1);
    expect(v2.outputs).toMatchObject({ 'rolled-back': 'true', 'previous-version-label': 'v1' });
    const events = ((await eb!.send(new DescribeEventsCommand({ EnvironmentName: ENV, VersionLabel: 'v2-missing-image' }))).Events ?? []).map((e) => e.Message ?? '');
    const all = ((await eb!.send(new DescribeEventsCommand({ EnvironmentName: ENV }))).Events ?? []).map((e) => e.Message ?? '');
    expect([...events, ...all].join('\n')).toContain('Instance deployment failed to download the Docker image. The deployment failed.');
    expect(all.join('\n')).toMatch(/Command failed on instance\. .*Failed to pull Docker image .*sha256:0{64}/);
    expect(all.join('\n')).toMatch(/Summary: \[Successful: 0, Failed: 2\]/);
    const env = await describeEnv(eb!, ENV);
    expect(env).toMatchObject({ Status: 'Ready', Health: 'Green', VersionLabel: 'v1' });
    expect((await healthz(env.CNAME)).body.version).toBe('v1');
  });

  it('leaves nothing running or mounted once the emulator stops', async () => {
    expect(processesUnder(dataDir).length).toBeGreaterThan(0);
    await emulator!.stop();
    expect(processesUnder(dataDir)).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dataDir);
    // The writable layers went with their containers; only the image cache is left until the data dir goes.
    const instancesDir = path.join(dataDir, 'eb', 'instances');
    for (const id of readdirSync(instancesDir)) expect(readdirSync(path.join(instancesDir, id)).filter((n) => /^c\d+$/.test(n))).toEqual([]);
  });
});
