// Vitest helpers: one emulator per test file, SDK clients configured by its env alone, and
// ready-made environments.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateApplicationCommand, CreateApplicationVersionCommand, CreateEnvironmentCommand, CreateStorageLocationCommand,
  DescribeApplicationVersionsCommand, DescribeEnvironmentsCommand, ElasticBeanstalkClient, ListTagsForResourceCommand,
  type ConfigurationOptionSetting, type EnvironmentDescription,
} from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { writeTestAppBundle, zipTestAppBundle, type TestAppOptions } from './test-app.js';

export interface EmulatorHandle {
  readonly emulator: Emulator;
  readonly eb: ElasticBeanstalkClient;
  readonly s3: S3Client;
}

/** Starts an emulator before the file's tests (timeScale 0.02 unless given) and stops it after, even on failure. */
export function useEmulator(opts: EmulatorOptions = {}): EmulatorHandle {
  let emulator: Emulator | undefined;
  let eb: ElasticBeanstalkClient | undefined;
  let s3: S3Client | undefined;
  const saved = { ...process.env };
  beforeAll(async () => {
    emulator = await startEmulator({ timeScale: 0.02, ...opts });
    Object.assign(process.env, emulator.env);
    eb = new ElasticBeanstalkClient({});
    s3 = new S3Client({});
  });
  afterAll(async () => {
    eb?.destroy();
    s3?.destroy();
    await emulator?.stop();
    for (const key of Object.keys(emulator?.env ?? {})) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the emulator is not started: use the handle inside tests or hooks');
    return v;
  };
  return {
    get emulator() { return need(emulator); },
    get eb() { return need(eb); },
    get s3() { return need(s3); },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function describeEnv(eb: ElasticBeanstalkClient, name: string): Promise<EnvironmentDescription> {
  const out = await eb.send(new DescribeEnvironmentsCommand({ EnvironmentNames: [name], IncludeDeleted: false }));
  const env = out.Environments?.[0];
  if (!env) throw new Error(`environment ${name} not found`);
  return env;
}

/** Uploads a test-app bundle, creates the version (processed) and returns its S3 location. */
export async function createTestVersion(h: Pick<EmulatorHandle, 'eb' | 's3'>, app: string, label: string, appOpts: Omit<TestAppOptions, 'version'> = {}): Promise<{ bucket: string; key: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'test-app-'));
  try {
    await writeTestAppBundle(dir, { version: label, ...appOpts });
    const bundle = await zipTestAppBundle(dir);
    const { S3Bucket: bucket = '' } = await h.eb.send(new CreateStorageLocationCommand({}));
    const key = `${app}/${label}.zip`;
    await h.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bundle }));
    await h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: app, VersionLabel: label, SourceBundle: { S3Bucket: bucket, S3Key: key }, Process: true }));
    await waitFor(`version ${label} processed`, async () => (await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: app, VersionLabels: [label] }))).ApplicationVersions?.[0]?.Status, (s) => s === 'Processed' || s === 'Failed');
    return { bucket, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ReadyEnvironmentOptions {
  app: string;
  env: string;
  label: string;
  appOptions?: Omit<TestAppOptions, 'version'>;
  optionSettings?: ConfigurationOptionSetting[];
  /** Wait for Green as well as Ready (default true). */
  green?: boolean;
}

/** The instance profile and service role every environment of the CloudFormation template has (preflight checks them). */
export const ENVIRONMENT_ROLES: ConfigurationOptionSetting[] = [
  { Namespace: 'aws:autoscaling:launchconfiguration', OptionName: 'IamInstanceProfile', Value: 'eb-pipeline-instance-profile' },
  { Namespace: 'aws:elasticbeanstalk:environment', OptionName: 'ServiceRole', Value: 'arn:aws:iam::000000000000:role/eb-pipeline-service-role' },
];

/** Creates the application (if needed), a test-app version and an environment (with ENVIRONMENT_ROLES); waits until Ready (and Green). */
export async function createEnvironmentReady(target: Pick<EmulatorHandle, 'eb' | 's3'> | ElasticBeanstalkClient, opts: ReadyEnvironmentOptions): Promise<EnvironmentDescription> {
  // A bare EB client: the S3 client comes from the same AWS_ENDPOINT_URL_* environment.
  const h = target instanceof ElasticBeanstalkClient ? { eb: target, s3: new S3Client({}) } : target;
  await h.eb.send(new CreateApplicationCommand({ ApplicationName: opts.app })).catch((err: Error) => {
    if (!/already exists/.test(err.message)) throw err;
  });
  await createTestVersion(h, opts.app, opts.label, opts.appOptions);
  await h.eb.send(new CreateEnvironmentCommand({ ApplicationName: opts.app, EnvironmentName: opts.env, VersionLabel: opts.label, OptionSettings: [...ENVIRONMENT_ROLES, ...(opts.optionSettings ?? [])] }));
  return waitFor(`environment ${opts.env} Ready`, () => describeEnv(h.eb, opts.env), (e) => e.Status === 'Ready' && (opts.green === false || e.Health === 'Green'));
}

/** The verified-release record of an application's versions on one environment: label → mark (unmarked versions left out). */
export async function releaseMarks(eb: ElasticBeanstalkClient, app: string, env: string): Promise<Record<string, 'verified' | 'failed'>> {
  const versions = (await eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: app }))).ApplicationVersions ?? [];
  const out: Record<string, 'verified' | 'failed'> = {};
  for (const v of versions) {
    const tags = (await eb.send(new ListTagsForResourceCommand({ ResourceArn: v.ApplicationVersionArn }))).ResourceTags ?? [];
    const keys = tags.map((t) => t.Key);
    if (keys.includes(`eb-pipeline:verified:${env}`)) out[v.VersionLabel ?? ''] = 'verified';
    if (keys.includes(`eb-pipeline:failed:${env}`)) out[v.VersionLabel ?? ''] = 'failed';
  }
  return out;
}
