// `eb-pipeline emulator start` as a user runs it, and stop() leaving no process behind.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateEnvironmentCommand, ElasticBeanstalkClient, UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { createEnvironmentReady, createTestVersion, describeEnv, waitFor } from '../support/emulator.js';

const run = promisify(execFile);

interface StateDump { environments: { instances: { pid?: number }[] }[] }

async function instancePids(ebEndpoint: string): Promise<number[]> {
  const state = (await (await fetch(`${ebEndpoint}/_emulator/state`)).json()) as StateDump;
  return state.environments.flatMap((e) => e.instances.map((i) => i.pid ?? 0)).filter((p) => p > 0);
}

/** Every live process in these sessions (an instance's shell, its app and everything the app started,
 * in whatever process group). Zombies are dead already: orphans wait for this machine's init to reap them. */
async function processesInSessions(sessions: number[]): Promise<number[]> {
  const out = await run('ps', ['-e', '-o', 'pid=,sess=,stat=']);
  return out.stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, sess, stat]) => sessions.includes(Number(sess)) && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

describe('eb-pipeline emulator start', () => {
  it('prints the exports, serves awscli through them, and stops everything on SIGINT', async () => {
    const child = spawn('scripts/node24', ['--import', 'tsx', 'src/entries/cli.ts', 'emulator', 'start', '--time-scale', '0.01', '--version-quota', '7'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await waitFor('export lines', () => Promise.resolve(stdout), (s) => s.includes('export AWS_EC2_METADATA_DISABLED='), 30_000);
      const exports: Record<string, string> = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
      expect(Object.keys(exports)).toEqual(expect.arrayContaining(['AWS_ENDPOINT_URL_ELASTIC_BEANSTALK', 'AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']));
      const ebEndpoint = exports.AWS_ENDPOINT_URL_ELASTIC_BEANSTALK ?? '';
      expect(ebEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      // awscli 2.9 predates AWS_ENDPOINT_URL_*: it gets the printed endpoint through --endpoint-url.
      const env = { PATH: process.env.PATH, HOME: os.tmpdir(), AWS_PAGER: '', ...exports };
      const quota = await run('/usr/bin/aws', ['--endpoint-url', ebEndpoint, 'elasticbeanstalk', 'describe-account-attributes'], { env });
      expect(JSON.parse(quota.stdout)).toMatchObject({ ResourceQuotas: { ApplicationVersionQuota: { Maximum: 7 } } });
      await run('/usr/bin/aws', ['--endpoint-url', ebEndpoint, 'elasticbeanstalk', 'create-application', '--application-name', 'cli-app'], { env });

      // The SDK with nothing but the printed variables.
      const saved = { ...process.env };
      Object.assign(process.env, exports);
      const eb = new ElasticBeanstalkClient({});
      const s3 = new S3Client({});
      try {
        await createEnvironmentReady({ eb, s3 }, { app: 'cli-app', env: 'cli-env', label: 'v1', appOptions: { instances: 2 } });
      } finally {
        eb.destroy();
        s3.destroy();
        for (const k of Object.keys(exports)) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
      }
      const pids = await instancePids(ebEndpoint);
      expect(pids).toHaveLength(2);
      expect(await processesInSessions(pids)).not.toHaveLength(0);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout).toContain('# stopping the emulator');
      expect(await processesInSessions(pids)).toEqual([]);
      await expect(fetch(ebEndpoint)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      if (stderr) console.error(stderr);
    }
  });

  it('rejects bad options naming the option and the expected form', async () => {
    const out = await run('scripts/node24', ['--import', 'tsx', 'src/entries/cli.ts', 'emulator', 'start', '--time-scale', 'fast'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
    }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in out ? out.code : 0).toBe(2);
    expect('stderr' in out ? out.stderr : '').toContain('--time-scale must be a number > 0 (e.g. 0.1), got "fast"');
  });
});

describe('startEmulator().stop()', () => {
  it('kills everything every instance started, in any process group, and removes its temp dir', async () => {
    const emulator = await startEmulator({ timeScale: 0.01 });
    const saved = { ...process.env };
    Object.assign(process.env, emulator.env);
    const eb = new ElasticBeanstalkClient({});
    const s3 = new S3Client({});
    try {
      // Each web process starts children of its own, one in a process group of its own the way
      // supervisord starts its programs: only stopping the whole session reaches them all.
      const ownGroup = `/usr/bin/python3 -c "import os, time; os.setpgid(0, 0); time.sleep(300)"`;
      const appOptions = { instances: 2, webCommand: `sleep 300 & ${ownGroup} & exec node server.mjs` };
      await createEnvironmentReady({ eb, s3 }, { app: 'stop-app', env: 'stop-env', label: 'v1', appOptions });
      // No version: EB's sample application, which the emulator runs too.
      await eb.send(new CreateEnvironmentCommand({ ApplicationName: 'stop-app', EnvironmentName: 'sample-env' }));
      const sample = await waitFor('sample Ready', () => describeEnv(eb, 'sample-env'), (e) => e.Status === 'Ready' && e.Health === 'Green');
      expect(await (await fetch(`http://${sample.CNAME ?? ''}/`)).text()).toContain('sample application');

      const pids = await instancePids(emulator.ebEndpoint);
      expect(pids).toHaveLength(3);
      const members = await processesInSessions(pids);
      expect(members.length).toBeGreaterThanOrEqual(7);
      const groups = (await run('ps', ['-o', 'pgid=', '-p', members.join(',')])).stdout.trim().split(/\s+/);
      expect(new Set(groups).size).toBeGreaterThanOrEqual(5);
      const bundleDir = await readlink(`/proc/${pids[0] ?? 0}/cwd`);
      expect(existsSync(bundleDir)).toBe(true);
      await emulator.stop();
      expect(await processesInSessions(pids)).toEqual([]);
      expect(existsSync(bundleDir)).toBe(false);
    } finally {
      eb.destroy();
      s3.destroy();
      await emulator.stop();
      for (const k of Object.keys(emulator.env)) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
    }
  });
});

describe('startEmulator().stop() mid-deployment', () => {
  it('leaves no process behind when stopped while an Immutable deployment runs its temporary instances', async () => {
    const marker = `stop-marker-${process.pid}-${Date.now()}`;
    const emulator = await startEmulator({ timeScale: 0.01 });
    const saved = { ...process.env };
    Object.assign(process.env, emulator.env);
    const eb = new ElasticBeanstalkClient({});
    const s3 = new S3Client({});
    const running = async (): Promise<string> => (await run('pgrep', ['-f', marker]).catch(() => ({ stdout: '' }))).stdout.trim();
    try {
      const appOptions = { instances: 3, deploymentPolicy: 'Immutable' as const, webCommand: `exec node server.mjs ${marker}` };
      await createEnvironmentReady({ eb, s3 }, { app: 'mid-app', env: 'mid-env', label: 'v1', appOptions });
      await createTestVersion({ eb, s3 }, 'mid-app', 'v2', appOptions);
      await eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'mid-env', VersionLabel: 'v2' }));
      await waitFor('temporary instances launching', async () => (await instancePids(emulator.ebEndpoint)).length, (n) => n > 3, 10_000, 5);
      expect(await running()).not.toBe('');
      await emulator.stop();
      expect(await running()).toBe('');
      await new Promise((r) => setTimeout(r, 1500)); // a deployment step that was under way has had time to finish
      expect(await running()).toBe('');
    } finally {
      eb.destroy();
      s3.destroy();
      await emulator.stop();
      for (const k of Object.keys(emulator.env)) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
    }
  });
});
