// Debian's awscli 2 against the emulator with --endpoint-url, from bundle upload to the waiter.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeApplicationVersionsCommand } from '@aws-sdk/client-elastic-beanstalk';
import { useEmulator, waitFor } from '../support/emulator.js';
import { writeTestAppBundle, zipTestAppBundle } from '../support/test-app.js';

const run = promisify(execFile);
const h = useEmulator({ timeScale: 0.01 });
let tmp = '';
let dataPath = '';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'eb-awscli-'));
  // awscli's environment-updated waiter polls every 20 s and has no --delay option; a copy of its
  // waiter model with a 1 s delay, found through AWS_DATA_PATH, makes it poll every second.
  dataPath = path.join(tmp, 'models');
  const model = path.join(dataPath, 'elasticbeanstalk', '2010-12-01');
  await mkdir(model, { recursive: true });
  const status = (expected: string, state: string) => ({ state, matcher: 'pathAll', argument: 'Environments[].Status', expected });
  const waiter = (ok: string, retry: string) => ({ delay: 1, maxAttempts: 60, operation: 'DescribeEnvironments', acceptors: [status(ok, 'success'), status(retry, 'retry')] });
  await writeFile(path.join(model, 'waiters-2.json'), JSON.stringify({
    version: 2,
    waiters: { EnvironmentExists: waiter('Ready', 'Launching'), EnvironmentUpdated: waiter('Ready', 'Updating'), EnvironmentTerminated: waiter('Terminated', 'Terminating') },
  }));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface AwsResult { code: number; stdout: string; stderr: string }

async function aws(args: string[], endpoint = h.emulator.ebEndpoint, env: Record<string, string> = {}): Promise<AwsResult> {
  const childEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: tmp, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '', ...env,
  };
  try {
    const out = await run('/usr/bin/aws', ['--endpoint-url', endpoint, '--output', 'json', ...args], { env: childEnv, timeout: 60_000 });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function ebJson<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const out = await aws(['elasticbeanstalk', ...args]);
  if (out.code !== 0) throw new Error(`aws elasticbeanstalk ${args.join(' ')} failed (${out.code}): ${out.stderr}`);
  return (out.stdout.trim() ? JSON.parse(out.stdout) : {}) as T;
}

interface Env { Status: string; VersionLabel?: string; Health: string; CNAME: string }
const environment = async (): Promise<Env> =>
  (await ebJson<{ Environments: Env[] }>('describe-environments', '--environment-names', 'cli-env', '--no-include-deleted')).Environments[0] as Env;

async function uploadVersion(bucket: string, label: string): Promise<void> {
  const dir = path.join(tmp, label);
  await writeTestAppBundle(dir, { version: label });
  const zip = path.join(tmp, `${label}.zip`);
  await writeFile(zip, await zipTestAppBundle(dir));
  const cp = await aws(['s3', 'cp', zip, `s3://${bucket}/bundles/${label}.zip`], h.emulator.s3Endpoint);
  expect(cp.code, cp.stderr).toBe(0);
  await ebJson('create-application-version', '--application-name', 'cli-app', '--version-label', label, '--process',
    '--source-bundle', `S3Bucket=${bucket},S3Key=bundles/${label}.zip`);
  // Polled with the SDK (an awscli start costs about a second); awscli's own describe-application-versions is checked below.
  await waitFor(`${label} processed`, async () => (await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'cli-app', VersionLabels: [label] }))).ApplicationVersions?.[0]?.Status, (s) => s === 'Processed');
}

describe('awscli 2', () => {
  it('creates an application, versions and an environment, deploys and waits with environment-updated', async () => {
    const app = await ebJson<{ Application: { ApplicationName: string } }>('create-application', '--application-name', 'cli-app');
    expect(app.Application.ApplicationName).toBe('cli-app');
    const { S3Bucket: bucket } = await ebJson<{ S3Bucket: string }>('create-storage-location');
    await uploadVersion(bucket, 'v1');
    const created = await ebJson<Env>('create-environment', '--application-name', 'cli-app', '--environment-name', 'cli-env', '--version-label', 'v1');
    expect(created.Status).toBe('Launching');
    const exists = await aws(['elasticbeanstalk', 'wait', 'environment-exists', '--environment-names', 'cli-env'], undefined, { AWS_DATA_PATH: dataPath });
    expect(exists.code, exists.stderr).toBe(0);
    expect(await environment()).toMatchObject({ Status: 'Ready', VersionLabel: 'v1', Health: 'Green' });

    await uploadVersion(bucket, 'v2');
    const update = await ebJson<Env>('update-environment', '--environment-name', 'cli-env', '--version-label', 'v2');
    expect(update.Status).toBe('Updating');
    const waited = await aws(['elasticbeanstalk', 'wait', 'environment-updated', '--environment-names', 'cli-env'], undefined, { AWS_DATA_PATH: dataPath });
    expect(waited.code, waited.stderr).toBe(0);
    const env = await environment();
    expect(env).toMatchObject({ Status: 'Ready', VersionLabel: 'v2' });
    expect(await (await fetch(`http://${env.CNAME}/`)).json()).toMatchObject({ version: 'v2' });

    const events = await ebJson<{ Events: { Message: string; Severity: string }[] }>('describe-events', '--environment-name', 'cli-env', '--max-items', '50');
    expect(events.Events.map((e) => e.Message)).toEqual(expect.arrayContaining(['Environment update is starting.', 'Environment update completed successfully.']));
    const health = await ebJson<{ HealthStatus: string; Color: string; InstancesHealth: { Ok: number } }>('describe-environment-health', '--environment-name', 'cli-env', '--attribute-names', 'All');
    expect(health).toMatchObject({ HealthStatus: 'Ok', Color: 'Green', InstancesHealth: { Ok: 1 } });
    const instances = await ebJson<{ InstanceHealthList: { Deployment: { VersionLabel: string } }[] }>('describe-instances-health', '--environment-name', 'cli-env', '--attribute-names', 'All');
    expect(instances.InstanceHealthList.map((i) => i.Deployment.VersionLabel)).toEqual(['v2']);
    const versions = await ebJson<{ ApplicationVersions: { VersionLabel: string; Status: string }[] }>('describe-application-versions', '--application-name', 'cli-app');
    expect(versions.ApplicationVersions.map((v) => [v.VersionLabel, v.Status])).toEqual([['v2', 'Processed'], ['v1', 'Processed']]);
  });

  it('shows EB errors with their code, and the 1 s waiter follows a stuck update to its abort', async () => {
    h.emulator.faults.stuckUpdate('cli-env');
    await ebJson('update-environment', '--environment-name', 'cli-env', '--version-label', 'v1');
    const refused = await aws(['elasticbeanstalk', 'update-environment', '--environment-name', 'cli-env', '--version-label', 'v1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('An error occurred (InvalidParameterValue) when calling the UpdateEnvironment operation: Environment named cli-env is in an invalid state for this operation. Must be Ready.');

    const started = Date.now();
    const waiting = aws(['elasticbeanstalk', 'wait', 'environment-updated', '--environment-names', 'cli-env'], undefined, { AWS_DATA_PATH: dataPath });
    await new Promise((r) => setTimeout(r, 3000));
    expect((await environment()).Status).toBe('Updating');
    await ebJson('abort-environment-update', '--environment-name', 'cli-env');
    const waited = await waiting;
    expect(waited.code, waited.stderr).toBe(0);
    // Well under the stock 20 s delay: the waiter really polled at the 1 s of our model.
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(await environment()).toMatchObject({ Status: 'Ready', VersionLabel: 'v2' });
  });
});
