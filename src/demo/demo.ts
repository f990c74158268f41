// `npm run demo -- --fast`: the deploy story without images (the full pipeline is pipeline-demo.ts).
// A local Elastic Beanstalk (the emulator) gets the reference Django app v1 as a Procfile bundle
// (bin/run-stack on the host) through the deploy action's committed bundle — the same entry the
// workflows run — and serves it Green; then a broken v2 is deployed, the gate catches it, the
// previous version is redeployed, and v1 serves again. Exit 0 only when that story held.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateApplicationCommand, CreateEnvironmentCommand, DescribeEnvironmentsCommand, ElasticBeanstalkClient,
  type EnvironmentDescription,
} from '@aws-sdk/client-elastic-beanstalk';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { runActionEntry, type ActionRun } from './run-action-entry.js';

const run = promisify(execFile);

export interface DemoOptions {
  /** Emulator time scale: 0.1 runs EB's 10 s health reports every second. */
  timeScale: number;
  databaseUrl: string;
  print: (line: string) => void;
}

interface Served {
  status: number;
  version: string;
}

/** The repository: where dist/ and django-app/ are, found from this file (src/ or dist/cli/). */
export function repositoryRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'django-app', 'manage.py'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository (django-app/manage.py) above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

async function serving(cname: string): Promise<Served> {
  try {
    const res = await fetch(`http://${cname}/healthz`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json().catch(() => ({}))) as { version?: string };
    return { status: res.status, version: body.version ?? '?' };
  } catch {
    return { status: 0, version: 'nothing answers' };
  }
}

export async function recreateDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  for (const sql of [`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, `CREATE DATABASE "${name}"`]) {
    await run('psql', [admin.toString(), '-v', 'ON_ERROR_STOP=1', '-qc', sql]);
  }
}

/** Lays out a local bundle of the reference app; `broken` adds v2's bug: a module it forgot to commit. */
async function layOutBundle(root: string, dir: string, version: string, databaseUrl: string, broken: boolean): Promise<void> {
  await run('/usr/bin/python3', [path.join(root, 'django-app/bin/make-local-bundle'), dir, version, '--database-url', databaseUrl]);
  if (broken) await appendFile(path.join(dir, 'notes/views.py'), '\nfrom notes import reporting  # v2: imports a module nobody committed\n');
}

/** Processes still running whose command line mentions `dir` (an instance left behind). */
export async function processesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc').catch(() => [])).filter((p) => /^\d+$/.test(p))) {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ').trim();
    if (cmdline.includes(dir)) found.push(`${pid} ${cmdline}`);
  }
  return found;
}

export async function runDemo(opts: DemoOptions): Promise<boolean> {
  const { print } = opts;
  const root = repositoryRoot();
  const deployBundle = path.join(root, 'dist/deploy/index.js');
  const started = Date.now();
  const step = (text: string): void => print(`\n[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}`);
  const indent = (line: string): void => print(`          ${line}`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'eb-pipeline-demo-'));
  let emulator: Emulator | undefined;
  let eb: ElasticBeanstalkClient | undefined;
  const story: { claim: string; held: boolean }[] = [];
  const check = (claim: string, held: boolean): void => {
    story.push({ claim, held });
    indent(`${held ? '✓' : '✗'} ${claim}`);
  };
  try {
    step(`Starting the local Elastic Beanstalk + S3 emulator (time scale ${opts.timeScale})`);
    emulator = await startEmulator({ timeScale: opts.timeScale, dataDir: path.join(work, 'emulator') });
    for (const [k, v] of Object.entries(emulator.env)) indent(`${k}=${v}`);
    eb = new ElasticBeanstalkClient({ endpoint: emulator.ebEndpoint, region: emulator.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

    step('Creating the application "django-eb-demo", its environment "demo-dev" (2 instances) and a fresh database');
    await recreateDatabase(opts.databaseUrl);
    await eb.send(new CreateApplicationCommand({ ApplicationName: 'django-eb-demo' }));
    await eb.send(new CreateEnvironmentCommand({
      ApplicationName: 'django-eb-demo',
      EnvironmentName: 'demo-dev',
      SolutionStackName: '64bit Amazon Linux 2023 v4.4.0 running Docker',
      OptionSettings: [
        // What infra/eb-pipeline.yml attaches (the deploy's preflight checks both are there).
        { Namespace: 'aws:autoscaling:launchconfiguration', OptionName: 'IamInstanceProfile', Value: 'django-eb-demo-instance-profile' },
        { Namespace: 'aws:elasticbeanstalk:environment', OptionName: 'ServiceRole', Value: 'arn:aws:iam::000000000000:role/django-eb-demo-service-role' },
        { Namespace: 'aws:autoscaling:asg', OptionName: 'MinSize', Value: '2' },
        { Namespace: 'aws:autoscaling:asg', OptionName: 'MaxSize', Value: '2' },
        // Values set on the environment win over the bundle's .ebextensions, as in EB.
        { Namespace: 'aws:elasticbeanstalk:command', OptionName: 'DeploymentPolicy', Value: 'AllAtOnce' },
      ],
    }));

    const deploy = async (version: string, broken: boolean): Promise<ActionRun> => {
      const dir = path.join(work, version);
      await layOutBundle(root, dir, version, opts.databaseUrl, broken);
      indent(`bundle laid out in ${dir}${broken ? ' (with v2\'s bug: an import of a module that is not in the bundle)' : ''}`);
      indent('running the deploy action (dist/deploy/index.js) as the runner would:');
      return runActionEntry(deployBundle, {
        'application-name': 'django-eb-demo',
        'environment-name': 'demo-dev',
        bundle: dir,
        'version-label': version,
        'healthy-checks': '3',
        // A 10 s stability window instead of the default 45 s: the demo's emulator runs EB's clock
        // faster, so 10 s still spans many health reports, and the demo gates three times.
        'stable-seconds': '10',
        'deploy-timeout': '2m',
        'ready-timeout': '2m',
        rollback: 'true',
      }, { ...emulator!.env, GITHUB_SHA: '0000000000000000000000000000000000000000' }, (line) => indent(`  │ ${line}`));
    };
    const environment = async (): Promise<EnvironmentDescription> =>
      (await eb!.send(new DescribeEnvironmentsCommand({ ApplicationName: 'django-eb-demo', EnvironmentNames: ['demo-dev'] }))).Environments?.[0] ?? {};

    step('Deploying v1 of the reference Django app (nginx → uWSGI → Django on each instance)');
    const v1 = await deploy('v1', false);
    let env = await environment();
    let served = await serving(env.CNAME ?? '');
    indent(`action exit code ${v1.exitCode}; outputs: health=${v1.outputs.health}, deploy-seconds=${v1.outputs['deploy-seconds']}, uploaded-bytes=${v1.outputs['uploaded-bytes']}`);
    indent(`environment: ${env.Status} ${env.Health}, running ${env.VersionLabel}; http://${env.CNAME}/healthz → ${served.status} version ${served.version}`);
    check('v1 deployed: the action succeeded', v1.exitCode === 0);
    check('v1 is Green and serving', env.Health === 'Green' && env.VersionLabel === 'v1' && served.status === 200 && served.version === 'v1');

    step('Deploying v2, which is broken');
    const v2 = await deploy('v2', true);
    env = await environment();
    served = await serving(env.CNAME ?? '');
    indent(`action exit code ${v2.exitCode}; outputs: rolled-back=${v2.outputs['rolled-back']}, previous-version-label=${v2.outputs['previous-version-label']}, health=${v2.outputs.health}`);
    indent(`the job failed with: ${v2.errors.at(-1) ?? '(no error annotation)'}`);
    indent(`environment: ${env.Status} ${env.Health}, running ${env.VersionLabel}; http://${env.CNAME}/healthz → ${served.status} version ${served.version}`);
    check('v2 failed the job (the gate caught it)', v2.exitCode !== 0 && v2.errors.length > 0);
    check('v2 was rolled back to v1', v2.outputs['rolled-back'] === 'true' && v2.outputs['previous-version-label'] === 'v1');
    check('v1 is Green and serving again', env.Health === 'Green' && env.VersionLabel === 'v1' && served.status === 200 && served.version === 'v1');
  } catch (err) {
    check(`the demo ran to the end (${err instanceof Error ? err.message : String(err)})`, false);
  } finally {
    step('Stopping the emulator and every instance it started');
    eb?.destroy();
    await emulator?.stop();
    const left = await processesUnder(work);
    check('nothing the emulator started is left running', left.length === 0);
    for (const p of left) indent(`still running: ${p}`);
    await rm(work, { recursive: true, force: true });
  }
  const held = story.length > 0 && story.every((s) => s.held);
  print(`\nSummary (${((Date.now() - started) / 1000).toFixed(1)} s):`);
  for (const s of story) print(`  ${s.held ? 'held  ' : 'FAILED'}  ${s.claim}`);
  print(held ? '\nThe story held: a healthy release went live, a broken one was caught and rolled back.' : '\nThe story did NOT hold: see above.');
  return held;
}
