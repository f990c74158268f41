// An environment another operation holds: wait for it (bounded), then deploy — or give up at
// ready-timeout without touching it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortEnvironmentUpdateCommand, UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, useEmulator, waitFor } from '../support/emulator.js';
import { writeTestAppBundle } from '../support/test-app.js';
import { runEntry, servedVersion } from './run-entry.js';

const h = useEmulator();
const tmp = await mkdtemp(join(tmpdir(), 'deploy-busy-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Puts the environment in an update that only ends when aborted. */
async function holdBusy(env: string): Promise<void> {
  h.emulator.faults.stuckUpdate(env);
  await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: env, OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:application:environment', OptionName: 'BUSY', Value: '1' }] }));
  expect((await describeEnv(h.eb, env)).Status).toBe('Updating');
}

async function release(env: string): Promise<void> {
  await h.eb.send(new AbortEnvironmentUpdateCommand({ EnvironmentName: env }));
  await waitFor(`${env} Ready`, () => describeEnv(h.eb, env), (e) => e.Status === 'Ready');
}

describe('deploy action: busy environment', () => {
  it('environment busy, then Ready → waits, then deploys', async () => {
    await createEnvironmentReady(h, { app: 'busy', env: 'busy-dev', label: 'v1' });
    const dir = join(tmp, 'v2');
    await writeTestAppBundle(dir, { version: 'v2' });
    await holdBusy('busy-dev');
    let released = false;
    const r = await runEntry('deploy', {
      inputs: { 'application-name': 'busy', 'environment-name': 'busy-dev', bundle: dir, 'version-label': 'v2', 'ready-timeout': '1m', 'deploy-timeout': '40s' },
      env: h.emulator.env,
      onSpawn: (_child, stdout) => {
        const timer = setInterval(() => {
          if (!released && /is Updating; waiting for Ready/.test(stdout())) {
            released = true;
            clearInterval(timer);
            void release('busy-dev');
          }
        }, 100);
        _child.on('close', () => clearInterval(timer));
      },
    });
    expect(released).toBe(true);
    expect(r.errors, r.stdout).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/"busy-dev" is Updating; waiting for Ready[\s\S]*UpdateEnvironment accepted[\s\S]*gate passed/);
    expect(await servedVersion((await describeEnv(h.eb, 'busy-dev')).CNAME)).toBe('v2');
  });

  it('busy past the ready-timeout → fails without deploying', async () => {
    await createEnvironmentReady(h, { app: 'stuck', env: 'stuck-dev', label: 'v1' });
    const dir = join(tmp, 'v2b');
    await writeTestAppBundle(dir, { version: 'v2' });
    await holdBusy('stuck-dev');
    const started = Date.now();
    const r = await runEntry('deploy', {
      inputs: { 'application-name': 'stuck', 'environment-name': 'stuck-dev', bundle: dir, 'version-label': 'v2', 'ready-timeout': '5s' },
      env: h.emulator.env,
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.code).toBe(1);
    expect(r.errors).toEqual(['environment "stuck-dev" was still Updating after ready-timeout (5 s); nothing was deployed']);
    expect(r.outputs).toMatchObject({ 'rolled-back': 'false', 'previous-version-label': 'v1' });
    expect(r.stdout).not.toMatch(/UpdateEnvironment accepted/);
    await release('stuck-dev');
    const env = await describeEnv(h.eb, 'stuck-dev');
    expect(env.VersionLabel).toBe('v1');
    expect(await servedVersion(env.CNAME)).toBe('v1');
  });
});
