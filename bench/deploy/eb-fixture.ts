// The bench's Elastic Beanstalk set-up on the emulator (an application, test-app versions, one
// environment) and a watcher that timestamps what the emulator's environment does, read from
// its control endpoint `GET /_emulator/state` every few milliseconds — the reference clock that
// both our gate and awscli are measured against.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateApplicationCommand, CreateApplicationVersionCommand, CreateEnvironmentCommand, CreateStorageLocationCommand,
  DescribeApplicationVersionsCommand, ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Emulator } from '../../src/emulator/index.js';
import { writeTestAppBundle, zipTestAppBundle, type TestAppOptions } from '../../test/support/test-app.js';

/** The instance profile and service role of the template's environments (test/support/emulator.ts has the same). */
const ENVIRONMENT_ROLES = [
  { Namespace: 'aws:autoscaling:launchconfiguration', OptionName: 'IamInstanceProfile', Value: 'eb-pipeline-instance-profile' },
  { Namespace: 'aws:elasticbeanstalk:environment', OptionName: 'ServiceRole', Value: 'arn:aws:iam::000000000000:role/eb-pipeline-service-role' },
];

export interface Clients {
  eb: ElasticBeanstalkClient;
  s3: S3Client;
}

export function emulatorClients(emulator: Emulator): Clients {
  const common = {
    region: emulator.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  return {
    eb: new ElasticBeanstalkClient({ ...common, endpoint: emulator.ebEndpoint }),
    s3: new S3Client({ ...common, endpoint: emulator.s3Endpoint, forcePathStyle: true }),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Uploads a healthy test-app bundle for `label` and creates the version (Process=true), processed. */
export async function createTestVersion(c: Clients, app: string, label: string, appOptions: Omit<TestAppOptions, 'version'> = {}): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-app-'));
  try {
    await writeTestAppBundle(dir, { version: label, ...appOptions });
    const { S3Bucket: bucket } = await c.eb.send(new CreateStorageLocationCommand({}));
    const key = `bench/${label}.zip`;
    await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await zipTestAppBundle(dir) }));
    await c.eb.send(new CreateApplicationVersionCommand({ ApplicationName: app, VersionLabel: label, SourceBundle: { S3Bucket: bucket, S3Key: key }, Process: true }));
    const status = await until(`version ${label} processed`, 60_000, async () => {
      const v = await c.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: app, VersionLabels: [label] }));
      const s = v.ApplicationVersions?.[0]?.Status;
      return s === 'Processed' || s === 'Failed' ? s : undefined;
    });
    if (status !== 'Processed') throw new Error(`version ${label} failed processing on the emulator`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface EnvSnapshot {
  name: string;
  versionLabel?: string;
  status: string;
  health: string;
  operation?: string;
}

export async function readEnvironment(emulator: Emulator, name: string): Promise<EnvSnapshot | undefined> {
  const res = await fetch(`${emulator.ebEndpoint}/_emulator/state`);
  const state = (await res.json()) as { environments: EnvSnapshot[] };
  return state.environments.filter((e) => e.name === name && e.status !== 'Terminated').at(-1);
}

export const isGreenOn = (e: EnvSnapshot | undefined, label: string): boolean =>
  e?.status === 'Ready' && e.health === 'Green' && e.versionLabel === label;

/** Creates the application and an environment running `label`; resolves when it is Ready and Green. */
export async function createGreenEnvironment(emulator: Emulator, c: Clients, app: string, env: string, label: string, timeoutMs: number): Promise<void> {
  await c.eb.send(new CreateApplicationCommand({ ApplicationName: app })).catch((err: Error) => {
    if (!/already exists/.test(err.message)) throw err;
  });
  await createTestVersion(c, app, label);
  // With the template's instance profile and service role, as a real environment has: the deploy's preflight checks them.
  await c.eb.send(new CreateEnvironmentCommand({ ApplicationName: app, EnvironmentName: env, VersionLabel: label, OptionSettings: ENVIRONMENT_ROLES }));
  await until(`environment ${env} Ready and Green on ${label}`, timeoutMs, async () => (isGreenOn(await readEnvironment(emulator, env), label) ? true : undefined));
}

export interface UpdateTimeline {
  /** First time the environment was seen Updating (the emulator's update start). */
  updatingAt: number | undefined;
  /** First time it was seen Ready + Green on the new label. */
  greenAt: number | undefined;
}

/** Watches one update of `env` to `label` every `intervalMs` until Green on it (or stopped). */
export class UpdateWatcher {
  readonly timeline: UpdateTimeline = { updatingAt: undefined, greenAt: undefined };
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly emulator: Emulator,
    private readonly env: string,
    private readonly label: string,
    private readonly intervalMs = 20,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped && this.timeline.greenAt === undefined) {
      const e = await readEnvironment(this.emulator, this.env).catch(() => undefined);
      const now = Date.now();
      if (e?.status === 'Updating') this.timeline.updatingAt ??= now;
      if (this.timeline.updatingAt !== undefined && isGreenOn(e, this.label)) this.timeline.greenAt = now;
      await sleep(this.intervalMs);
    }
  }

  /** Resolves once the environment is seen Updating (or rejects after `timeoutMs`). */
  async updating(timeoutMs: number): Promise<number> {
    return until(`${this.env} Updating`, timeoutMs, () => Promise.resolve(this.timeline.updatingAt), 5);
  }

  async stop(): Promise<UpdateTimeline> {
    this.stopped = true;
    await this.loop;
    return this.timeline;
  }
}
