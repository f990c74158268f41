// `npm run demo`: the pipeline's whole way on one machine, with the scripts the workflows run.
// Django tests against PostgreSQL (actions/django-test) → scripts/build-images.sh (the base image
// built once, skipped while its content hash is in the registry; the dev image FROM it by digest,
// pushed to a local registry standing in for ECR) → scripts/make-bundle.sh (Dockerrun.aws.json
// naming the image by digest) → the deploy action's committed bundle (dist/deploy/index.js) → the
// local Elastic Beanstalk, whose instances pull the image and run it (nginx :7999 → uWSGI → Django
// → PostgreSQL). Then a broken v2 image: the gate catches it and rolls back; v1 serves again.
// Exit 0 only when every claim held.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateApplicationCommand, CreateEnvironmentCommand, DescribeEnvironmentsCommand, ElasticBeanstalkClient, type EnvironmentDescription,
} from '@aws-sdk/client-elastic-beanstalk';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { processesUnder, recreateDatabase, repositoryRoot } from './demo.js';
import { accountPush, registryBlobs, startLocalRegistry, type LocalRegistry, type PushAccount } from './local-registry.js';
import { ensureStandInPythonImage, runScript, STAND_IN_PYTHON_IMAGE } from './pipeline-steps.js';
import { runActionEntry, type ActionRun } from './run-action-entry.js';

const exec = promisify(execFile);
const APP = 'django-eb-demo';
const ENV = 'demo-dev';

export interface PipelineDemoOptions {
  timeScale: number;
  databaseUrl: string;
  /** Where the local registry keeps its images between runs (the base is found there next time). */
  registryDir: string;
  print: (line: string) => void;
}

export interface BuildReport {
  label: string;
  baseRebuilt: boolean;
  seconds: number;
  imageRef: string;
  push: PushAccount;
}

export interface PipelineDemoResult {
  held: boolean;
  /** Wall time of each step, in order. */
  steps: { step: string; seconds: number }[];
  builds: BuildReport[];
  /** From the broken v2's deploy starting to v1 serving again, gated (the deploy action's run). */
  recoverSeconds?: number;
}

interface Page {
  status: number;
  version: string;
  server: string;
  title: string;
}

/** /healthz and / through the environment's load balancer. */
async function page(cname: string): Promise<Page> {
  try {
    const health = await fetch(`http://${cname}/healthz`, { signal: AbortSignal.timeout(5000) });
    const body = (await health.json().catch(() => ({}))) as { version?: string };
    const home = await fetch(`http://${cname}/`, { signal: AbortSignal.timeout(5000) });
    const html = await home.text();
    const title = /<title>([^<]*)<\/title>/.exec(html)?.[1]?.replace(/\s+/g, ' ').trim() ?? '';
    return { status: Math.max(health.status, home.status), version: body.version ?? '?', server: home.headers.get('server') ?? '', title };
  } catch {
    return { status: 0, version: 'nothing answers', server: '', title: '' };
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export async function runPipelineDemo(opts: PipelineDemoOptions): Promise<PipelineDemoResult> {
  const { print } = opts;
  const root = repositoryRoot();
  const started = Date.now();
  let stepStarted = started;
  const steps: PipelineDemoResult['steps'] = [];
  let currentStep = '';
  const endStep = (): void => {
    if (currentStep) steps.push({ step: currentStep, seconds: (Date.now() - stepStarted) / 1000 });
  };
  const step = (text: string): void => {
    endStep();
    currentStep = text;
    stepStarted = Date.now();
    print(`\n[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}`);
  };
  const indent = (line: string): void => print(`          ${line}`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'eb-pipeline-demo-'));
  const log = path.join(work, 'scripts.log');
  const story: { claim: string; held: boolean }[] = [];
  const check = (claim: string, held: boolean): void => {
    story.push({ claim, held });
    indent(`${held ? '✓' : '✗'} ${claim}`);
  };
  const builds: BuildReport[] = [];
  let recoverSeconds: number | undefined;
  let registry: LocalRegistry | undefined;
  let emulator: Emulator | undefined;
  let eb: ElasticBeanstalkClient | undefined;
  const scriptFailed = async (what: string): Promise<Error> => {
    const tail = (await exec('tail', ['-n', '25', log]).catch(() => ({ stdout: '' }))).stdout;
    return new Error(`${what} failed; last lines of ${log}:\n${tail}`);
  };

  try {
    step('Django tests against PostgreSQL (actions/django-test/django-test.sh, as the pr workflow runs it)');
    await recreateDatabase(opts.databaseUrl);
    const tests = await runScript(path.join(root, 'actions/django-test/django-test.sh'), {
      WORKING_DIRECTORY: path.join(root, 'django-app'),
      PYTHON: '/usr/bin/python3',
      SETTINGS_MODULE: 'config.settings.test',
      PRODUCTION_SETTINGS_MODULE: 'config.settings.production',
      DEPLOY_CHECK_ENV: 'AWS_STORAGE_BUCKET_NAME=check-only\n',
      DATABASE_URL: opts.databaseUrl,
      GITHUB_OUTPUT: path.join(work, 'django-test-outputs'),
    }, log, /^(Ran \d+ tests?|OK|FAILED|django-test:)/, (line) => indent(`│ ${line}`));
    const testOutputs = Object.fromEntries((await exec('cat', [path.join(work, 'django-test-outputs')]).catch(() => ({ stdout: '' }))).stdout.split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2) as [string, string]));
    indent(`tests-run=${testOutputs['tests-run'] ?? '?'} failed-checks=${testOutputs['failed-checks'] ?? '?'} (${tests.seconds.toFixed(1)} s)`);
    check('the Django tests, migrations check and check --deploy passed against PostgreSQL', tests.code === 0);
    if (tests.code !== 0) throw await scriptFailed('django-test.sh');

    step(`A local registry standing in for ECR (Debian's docker-registry; images kept in ${opts.registryDir})`);
    registry = await startLocalRegistry(opts.registryDir);
    indent(`registry at ${registry.host}`);
    print('');
    indent('Offline, as here, the base image cannot pip install requirements/production.txt from PyPI on');
    indent('python:3.12-slim-bookworm: it is built FROM a Debian stand-in (PYTHON_IMAGE=localhost/debian:bookworm,');
    indent("PYTHON_PACKAGES=debian): its Python packages are Debian's (Django 4.2 from bookworm-backports,");
    indent("psycopg2, uWSGI, supervisor). Every other line of every Dockerfile runs as written.");
    if (await ensureStandInPythonImage(indent)) indent(`${STAND_IN_PYTHON_IMAGE} imported`);

    const build = async (label: string, context: string): Promise<BuildReport> => {
      const before = await registryBlobs(registry!.storage);
      const result = await runScript(path.join(root, 'scripts/build-images.sh'), {
        CONTEXT: context,
        IMAGE_REPOSITORY: `${registry!.host}/django-eb-demo`,
        BASE_REPOSITORY: `${registry!.host}/django-eb-demo-base`,
        IMAGE_TAG: label,
        IMAGE_DOCKERFILE: 'docker/Dockerfile.dev',
        BASE_BUILD_ARGS: `PYTHON_IMAGE=${STAND_IN_PYTHON_IMAGE}\nPYTHON_PACKAGES=debian`,
        IMAGE_BUILD_ARGS: `APP_VERSION=${label}`,
        BUILDER: 'podman',
        TLS_VERIFY: 'false',
      }, log, /^build-images: /, (line) => indent(`│ ${line}`));
      if (result.code !== 0) throw await scriptFailed(`build-images.sh for ${label}`);
      const imageRef = result.outputs['image-ref'] ?? '';
      const push = await accountPush(imageRef, before, registry!.storage);
      const report = { label, baseRebuilt: result.outputs['base-rebuilt'] === 'true', seconds: result.seconds, imageRef, push };
      indent(`base ${result.outputs['base-digest'] ?? '?'}: ${report.baseRebuilt ? 'BUILT and pushed' : 'already in the registry, not rebuilt'}`);
      indent(`image ${imageRef}`);
      indent(`${push.layers} layers, ${push.layersReused} reused from the registry; ${mib(push.bytesPushed)} pushed (image ${mib(push.imageBytes)} compressed); ${result.seconds.toFixed(1)} s`);
      builds.push(report);
      return report;
    };
    const makeContext = async (name: string): Promise<string> => {
      const dir = path.join(work, name);
      await exec('/usr/bin/python3', [path.join(root, 'django-app/bin/make-build-context'), dir]);
      return dir;
    };
    const bundle = async (label: string, imageRef: string): Promise<string> => {
      const out = path.join(work, `bundle-${label}`);
      const made = await runScript(path.join(root, 'scripts/make-bundle.sh'), { IMAGE_REF: imageRef, VERSION_LABEL: label, OUT_DIR: out, EB_DIR: path.join(root, 'docker/eb') }, log, /^(make-bundle|::warning)/, (line) => indent(`│ ${line}`));
      if (made.code !== 0) throw await scriptFailed(`make-bundle.sh for ${label}`);
      indent(`bundle ${out}: Dockerrun.aws.json → ${imageRef.replace(/@sha256:([0-9a-f]{12})[0-9a-f]+$/, '@sha256:$1…')}, .platform hooks, bundle-version/VERSION`);
      return out;
    };

    step('Building v1 (scripts/build-images.sh: base once, then the dev image FROM the base by digest) and its bundle');
    const v1Build = await build('v1', await makeContext('context-v1'));
    const v1Bundle = await bundle('v1', v1Build.imageRef);

    step(`Starting the local Elastic Beanstalk + S3 (time scale ${opts.timeScale}); environment "${ENV}": Docker platform, 2 instances`);
    emulator = await startEmulator({ timeScale: opts.timeScale, dataDir: path.join(work, 'emulator') });
    for (const [k, v] of Object.entries(emulator.env)) indent(`${k}=${v}`);
    eb = new ElasticBeanstalkClient({ endpoint: emulator.ebEndpoint, region: emulator.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await recreateDatabase(opts.databaseUrl);
    await eb.send(new CreateApplicationCommand({ ApplicationName: APP }));
    const envVar = (OptionName: string, Value: string) => ({ Namespace: 'aws:elasticbeanstalk:application:environment', OptionName, Value });
    // The settings infra/eb-pipeline.yml puts on the environment (bundles carry none).
    await eb.send(new CreateEnvironmentCommand({
      ApplicationName: APP,
      EnvironmentName: ENV,
      SolutionStackName: '64bit Amazon Linux 2023 v4.4.0 running Docker',
      OptionSettings: [
        { Namespace: 'aws:autoscaling:asg', OptionName: 'MinSize', Value: '2' },
        { Namespace: 'aws:autoscaling:asg', OptionName: 'MaxSize', Value: '2' },
        { Namespace: 'aws:elasticbeanstalk:command', OptionName: 'DeploymentPolicy', Value: 'AllAtOnce' },
        { Namespace: 'aws:elasticbeanstalk:environment:process:default', OptionName: 'HealthCheckPath', Value: '/healthz' },
        // The roles the deploy's preflight asks for (infra/eb-pipeline.yml creates them on AWS).
        { Namespace: 'aws:autoscaling:launchconfiguration', OptionName: 'IamInstanceProfile', Value: 'django-eb-demo-instance-profile' },
        { Namespace: 'aws:elasticbeanstalk:environment', OptionName: 'ServiceRole', Value: 'arn:aws:iam::000000000000:role/django-eb-demo-service-role' },
        envVar('SECRET_KEY', randomBytes(40).toString('base64url')),
        envVar('DATABASE_URL', opts.databaseUrl),
        envVar('AWS_STORAGE_BUCKET_NAME', 'django-eb-demo-media'),
        envVar('ALLOWED_HOSTS', '127.0.0.1,localhost'),
      ],
    }));
    const environment = async (): Promise<EnvironmentDescription> =>
      (await eb!.send(new DescribeEnvironmentsCommand({ ApplicationName: APP, EnvironmentNames: [ENV] }))).Environments?.[0] ?? {};
    for (let env = await environment(); env.Status !== 'Ready'; env = await environment()) await new Promise((r) => setTimeout(r, 250));
    indent(`environment Ready at http://${(await environment()).CNAME ?? '?'}`);

    const deploy = async (label: string, dir: string): Promise<ActionRun> => {
      indent('running the deploy action (dist/deploy/index.js) as the runner would:');
      return runActionEntry(path.join(root, 'dist/deploy/index.js'), {
        'application-name': APP,
        'environment-name': ENV,
        bundle: dir,
        'version-label': label,
        'healthy-checks': '3',
        'deploy-timeout': '3m',
        'ready-timeout': '2m',
        rollback: 'true',
      }, { ...emulator!.env, GITHUB_SHA: '0000000000000000000000000000000000000000' }, (line) => indent(`  │ ${line}`));
    };
    const describeServing = async (): Promise<{ env: EnvironmentDescription; served: Page }> => {
      const env = await environment();
      const served = await page(env.CNAME ?? '');
      indent(`environment: ${env.Status} ${env.Health}, running ${env.VersionLabel}; http://${env.CNAME}/ → ${served.status} "${served.title}" (Server: ${served.server}), /healthz version ${served.version}`);
      return { env, served };
    };
    const servingV1 = ({ env, served }: { env: EnvironmentDescription; served: Page }): boolean =>
      env.Health === 'Green' && env.VersionLabel === 'v1' && served.status === 200 && served.version === 'v1' && served.title === 'Notes · v1' && served.server.startsWith('nginx');

    step('Deploying v1: each instance pulls the image, runs it, and the postdeploy hook migrates the database');
    const v1 = await deploy('v1', v1Bundle);
    indent(`action exit code ${v1.exitCode}; outputs: health=${v1.outputs.health}, deploy-seconds=${v1.outputs['deploy-seconds']}, uploaded-bytes=${v1.outputs['uploaded-bytes']}`);
    check('v1 deployed: the action succeeded', v1.exitCode === 0);
    check('v1 is Green and the Django page is served through the load balancer by nginx inside the image', servingV1(await describeServing()));
    const migrations = (await exec('psql', [opts.databaseUrl, '-Atc', 'select count(*) from django_migrations']).catch(() => ({ stdout: '0' }))).stdout.trim();
    indent(`django_migrations rows: ${migrations}`);
    check("the postdeploy hook's migrate_with_lock ran (docker exec into the container)", Number(migrations) > 0);

    step("Building v2, whose code is broken (notes/views.py imports a module nobody committed): same base, new app layer");
    const v2Context = await makeContext('context-v2');
    await appendFile(path.join(v2Context, 'notes/views.py'), '\nfrom notes import reporting  # v2: imports a module nobody committed\n');
    const v2Build = await build('v2', v2Context);
    // Only the application layers are new: what v2 pushed is a small part of the image.
    check('v2 reused the base: not rebuilt, its layers not pushed again', !v2Build.baseRebuilt && v2Build.push.layersReused > 0 && v2Build.push.bytesPushed * 5 < v2Build.push.imageBytes);
    const v2Bundle = await bundle('v2', v2Build.imageRef);

    step('Deploying the broken v2 image');
    const v2Started = Date.now();
    const v2 = await deploy('v2', v2Bundle);
    recoverSeconds = (Date.now() - v2Started) / 1000;
    indent(`action exit code ${v2.exitCode}; outputs: rolled-back=${v2.outputs['rolled-back']}, previous-version-label=${v2.outputs['previous-version-label']}, health=${v2.outputs.health}`);
    indent(`the job failed with: ${v2.errors.at(-1) ?? '(no error annotation)'}`);
    indent(`from v2's deploy starting to v1 serving again, gated: ${recoverSeconds.toFixed(1)} s`);
    check('v2 failed the job (the gate caught it)', v2.exitCode !== 0 && v2.errors.length > 0);
    check('v2 was rolled back to v1', v2.outputs['rolled-back'] === 'true' && v2.outputs['previous-version-label'] === 'v1');
    check('v1 is Green and serving again', servingV1(await describeServing()));
  } catch (err) {
    check(`the demo ran to the end (${err instanceof Error ? err.message : String(err)})`, false);
  } finally {
    step('Stopping the emulator (every container, namespace and mount) and the registry');
    eb?.destroy();
    await emulator?.stop();
    await registry?.stop();
    const left = await processesUnder(work);
    check('nothing the emulator started is left running', left.length === 0);
    for (const p of left) indent(`still running: ${p}`);
    await rm(work, { recursive: true, force: true });
    endStep();
  }
  const held = story.length > 0 && story.every((s) => s.held);
  print(`\nTime by step:`);
  for (const s of steps) print(`  ${s.seconds.toFixed(1).padStart(6)} s  ${s.step}`);
  print(`\nSummary (${((Date.now() - started) / 1000).toFixed(1)} s):`);
  for (const s of story) print(`  ${s.held ? 'held  ' : 'FAILED'}  ${s.claim}`);
  print(held ? '\nThe story held: tested, built on the base, a healthy release went live, a broken image was caught and rolled back.' : '\nThe story did NOT hold: see above.');
  return { held, steps, builds, ...(recoverSeconds !== undefined ? { recoverSeconds } : {}) };
}
