// The local Elastic Beanstalk + S3: `startEmulator()` for tests, `eb-pipeline emulator start` for people.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EbGate } from './auth/eb-gate.js';
import { KeyStore, type AccessKeyOptions } from './auth/keys.js';
import { S3Gate } from './auth/s3-gate.js';
import { serviceS3Fetch } from './auth/service-fetch.js';
import { Clock } from './clock.js';
import { startEbServer } from './eb-server.js';
import { FaultState, type EmulatorFaults } from './faults.js';
import { Runtime } from './runtime.js';
import { startS3Server } from './s3/server.js';
import { EbState } from './state.js';

export type { EmulatorFaults } from './faults.js';
export type { AccessKeyOptions } from './auth/keys.js';

export interface EmulatorOptions {
  host?: string;
  ebPort?: number;
  s3Port?: number;
  /** 1 = real EB timing; 0.05 = 20x faster (health reports every 0.5 s). */
  timeScale?: number;
  versionQuota?: number;
  /** Default: a fresh temp dir, removed on stop. */
  dataDir?: string;
  region?: string;
  accountId?: string;
  /**
   * The access keys requests must be SigV4-signed with (EB and S3 both check signatures), each with
   * optional identity policies (IAM JSON) it is held to. Default: one key, test/test, no policy
   * (everything allowed); `env` hands out the first key.
   */
  credentials?: AccessKeyOptions[];
}

export interface Emulator {
  ebEndpoint: string;
  s3Endpoint: string;
  region: string;
  /** What a client needs: AWS_ENDPOINT_URL_ELASTIC_BEANSTALK, AWS_ENDPOINT_URL_S3, the first access key, region. */
  env: Record<string, string>;
  faults: EmulatorFaults;
  stop(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
  const region = opts.region ?? 'us-east-1';
  const versionQuota = opts.versionQuota ?? 1000;
  if (!Number.isInteger(versionQuota) || versionQuota < 1) throw new Error(`versionQuota must be an integer >= 1, got ${versionQuota}`);
  const clock = new Clock(opts.timeScale ?? 1);
  const accountId = opts.accountId ?? '123456789012';
  const keys = new KeyStore(accountId, opts.credentials);
  const [firstKey] = opts.credentials ?? [{ accessKeyId: 'test', secretAccessKey: 'test' }];
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'eb-emulator-')));
  const s3 = await startS3Server({ host, port: opts.s3Port ?? 0, dataDir: path.join(dataDir, 's3'), gate: new S3Gate(keys, region) });
  const faults = new FaultState(s3.faults);
  const rt = new Runtime(new EbState(region, accountId), clock, faults, s3.endpoint, path.join(dataDir, 'eb'), host);
  rt.s3Fetch = serviceS3Fetch(keys, region);
  const ebGate = new EbGate(keys, region);
  rt.serviceCallDenial = (requestId, env, op) => ebGate.serviceCallDenial(rt.state, requestId, env, op);
  let eb;
  try {
    await rt.start();
    eb = await startEbServer(rt, { host, port: opts.ebPort ?? 0, versionQuota, gate: ebGate });
  } catch (err) {
    await rt.stop();
    await s3.close();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    ebEndpoint: eb.endpoint,
    s3Endpoint: s3.endpoint,
    region,
    env: {
      AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: eb.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: firstKey?.accessKeyId ?? 'test',
      AWS_SECRET_ACCESS_KEY: firstKey?.secretAccessKey ?? 'test',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    faults,
    stop: () =>
      (stopped ??= (async () => {
        await eb.close();
        await rt.stop();
        await s3.close();
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
      })()),
  };
}
