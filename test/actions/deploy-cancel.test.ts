// A job cancelled mid-deploy: the runner stops the main step (SIGINT, then SIGTERM), then runs the
// post step (`post-if: cancelled()`) with the state the main step saved. The post step aborts the
// update that was in flight, and the environment goes back to what it ran.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, releaseMarks, useEmulator } from '../support/emulator.js';
import { writeTestAppBundle } from '../support/test-app.js';
import { cancelLikeRunner, runEntry, servedVersion, whenLogged } from './run-entry.js';

const h = useEmulator();
const tmp = await mkdtemp(join(tmpdir(), 'deploy-cancel-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('deploy action: cancelled mid-deploy', () => {
  it('the post step aborts the in-flight update; the previous version serves again', async () => {
    await createEnvironmentReady(h, { app: 'cancel', env: 'cancel-dev', label: 'v1' });
    const dir = join(tmp, 'v2');
    await writeTestAppBundle(dir, { version: 'v2' });
    // The update hangs, so the job is still mid-deploy when it is cancelled.
    h.emulator.faults.stuckUpdate('cancel-dev');
    const main = await runEntry('deploy', {
      inputs: { 'application-name': 'cancel', 'environment-name': 'cancel-dev', bundle: dir, 'version-label': 'v2', 'deploy-timeout': '5m' },
      env: h.emulator.env,
      onSpawn: (child, stdout) => {
        const timer = setInterval(() => {
          if (/UpdateEnvironment accepted/.test(stdout())) {
            clearInterval(timer);
            child.kill('SIGTERM');
          }
        }, 100);
        child.on('close', () => clearInterval(timer));
      },
    });
    expect(main.signal).toBe('SIGTERM');
    expect((await describeEnv(h.eb, 'cancel-dev')).Status).toBe('Updating');
    expect(main.state.isPost).toBe('true');
    expect(JSON.parse(main.state.inFlightUpdate ?? '{}')).toMatchObject({ environmentName: 'cancel-dev', versionLabel: 'v2', previousVersionLabel: 'v1' });

    const post = await runEntry('deploy', { inputs: { 'application-name': 'cancel', 'environment-name': 'cancel-dev' }, env: h.emulator.env, state: main.state });
    expect(post.code).toBe(0);
    expect(post.errors).toEqual([]);
    expect(post.warnings).toEqual(['the job was cancelled during the deploy of "v2": aborted the update of "cancel-dev"']);
    expect(post.stdout).toMatch(/"cancel-dev" is Ready on "v1"/);
    const env = await describeEnv(h.eb, 'cancel-dev');
    expect(env.Status).toBe('Ready');
    expect(env.VersionLabel).toBe('v1');
    expect(await servedVersion(env.CNAME)).toBe('v1');
  });

  it('cancelled while the gate holds the window: the post step sends the unverified version back to the last verified one', async () => {
    await createEnvironmentReady(h, { app: 'window', env: 'window-dev', label: 'v1' });
    const dir = join(tmp, 'window-v2');
    await writeTestAppBundle(dir, { version: 'v2' });
    const main = await runEntry('deploy', {
      inputs: { 'application-name': 'window', 'environment-name': 'window-dev', bundle: dir, 'version-label': 'v2', 'stable-seconds': '60', 'deploy-timeout': '5m' },
      env: h.emulator.env,
      onSpawn: (child, stdout) => whenLogged(child, stdout, [/holding for 60 s/], () => cancelLikeRunner(child)),
    });
    expect(main.signal).toBe('SIGINT');
    // The update finished: nothing is abortable, and v2 is live without a passed gate.
    expect(await servedVersion((await describeEnv(h.eb, 'window-dev')).CNAME)).toBe('v2');
    expect(JSON.parse(main.state.inFlightUpdate ?? '{}')).toMatchObject({ kind: 'deploy', versionLabel: 'v2', rollbackTarget: 'v1' });

    const post = await runEntry('deploy', { inputs: { 'application-name': 'window', 'environment-name': 'window-dev' }, env: h.emulator.env, state: main.state });
    expect(post.code).toBe(0);
    expect(post.warnings).toEqual([
      'the job was cancelled after "v2" went live on "window-dev" and before its gate passed: sent it back to "v1", the version last verified there (not gated by this job: check it, or re-run the deploy)',
    ]);
    expect(post.stdout).toMatch(/"window-dev" is Ready on "v1" \(Green\): the rollback completed/);
    const env = await describeEnv(h.eb, 'window-dev');
    expect(env.VersionLabel).toBe('v1');
    expect(await servedVersion(env.CNAME)).toBe('v1');
    expect((await releaseMarks(h.eb, 'window', 'window-dev')).v2).toBeUndefined();
  }, 120_000);

  it('a post step with nothing in flight does nothing and does not fail', async () => {
    const post = await runEntry('deploy', { inputs: {}, env: h.emulator.env, state: { isPost: 'true', inFlightUpdate: '' } });
    expect(post.code).toBe(0);
    expect(post.errors).toEqual([]);
    expect(post.stdout).toMatch(/nothing to abort/);
  });
});
