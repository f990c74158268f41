// The gate is never starved by the describe budget: with 30 % of EB calls throttled, or after a long
// wait on a busy environment, a good deploy still ends the stability window plus a few seconds after
// the environment turned Green (measured from outside, by the test's own DescribeEnvironments).
import { AbortEnvironmentUpdateCommand, UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, useEmulator, waitFor } from '../support/emulator.js';
import { deployInputs, runEntry, servedVersion, useBundleDir } from './run-entry.js';
import { watchEnvironment } from './timeline.js';

const h = useEmulator();
const bundle = useBundleDir('deploy-gate-budget');
const WINDOW_S = 10;
/**
 * The whole run's describe calls as the action logs them (the budget's own count, the preflight's
 * included). These runs last 20–35 s on a sped-up emulator, where the first 20 s's burst weighs
 * more than in a real deploy: shown, not judged (the rate at EB timing is in docs/benchmarks.md).
 */
function showDescribeUse(stdout: string): void {
  const use = /EB describe calls over the run: .*/.exec(stdout);
  expect(use, stdout).not.toBeNull();
  console.log(use?.[0]);
}
const inputs = (app: string, env: string, dir: string) => ({ ...deployInputs(app, env, dir), 'version-label': 'v2', 'stable-seconds': String(WINDOW_S), 'deploy-timeout': '1m' });

describe('deploy action: the gate keeps polling within the describe budget', () => {
  it('30 % throttling → deploys; exit = Green + window + a few seconds', async () => {
    await createEnvironmentReady(h, { app: 'thrg', env: 'thrg-dev', label: 'v1' });
    const dir = await bundle('thrg', { version: 'v2' });
    h.emulator.faults.throttle({ share: 0.3 });
    const watch = watchEnvironment(h.eb, 'thrg-dev');
    let exitAt = 0;
    try {
      const r = await runEntry('deploy', { inputs: inputs('thrg', 'thrg-dev', dir), env: h.emulator.env, onSpawn: (child) => child.on('exit', () => (exitAt = Date.now())) });
      expect(r.code, r.stdout).toBe(0);
      showDescribeUse(r.stdout);
    } finally {
      h.emulator.faults.clear();
    }
    const green = watch.stop().firstGreenOn('v2');
    expect(green).toBeDefined();
    const latency = (exitAt - (green ?? 0)) / 1000;
    console.log(`30 % throttling: exit ${latency.toFixed(1)} s after Green with a ${WINDOW_S} s stability window`);
    expect(latency).toBeGreaterThanOrEqual(WINDOW_S - 0.5);
    // Starved, the gate used to exit 17–29 s after Green with no window at all.
    expect(latency).toBeLessThanOrEqual(WINDOW_S + 10);
    expect(await servedVersion((await describeEnv(h.eb, 'thrg-dev')).CNAME)).toBe('v2');
  }, 90_000);

  it('after waiting on a busy environment → exit = Green + window + a few seconds', async () => {
    await createEnvironmentReady(h, { app: 'busyg', env: 'busyg-dev', label: 'v1' });
    const dir = await bundle('busyg', { version: 'v2' });
    h.emulator.faults.stuckUpdate('busyg-dev');
    await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'busyg-dev', OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:application:environment', OptionName: 'BUSY', Value: '1' }] }));
    const watch = watchEnvironment(h.eb, 'busyg-dev');
    let exitAt = 0;
    const r = await runEntry('deploy', {
      inputs: inputs('busyg', 'busyg-dev', dir),
      env: h.emulator.env,
      onSpawn: (child, stdout) => {
        child.on('exit', () => (exitAt = Date.now()));
        // Hold the environment 15 s after the deploy starts waiting, then let the other update end.
        const timer = setInterval(() => {
          if (!/is Updating; waiting for Ready/.test(stdout())) return;
          clearInterval(timer);
          setTimeout(() => {
            void h.eb
              .send(new AbortEnvironmentUpdateCommand({ EnvironmentName: 'busyg-dev' }))
              .then(() => waitFor('busyg-dev Ready', () => describeEnv(h.eb, 'busyg-dev'), (e) => e.Status === 'Ready'));
          }, 15_000);
        }, 100);
        child.on('close', () => clearInterval(timer));
      },
    });
    expect(r.code, r.stdout).toBe(0);
    showDescribeUse(r.stdout);
    const green = watch.stop().firstGreenOn('v2');
    expect(green).toBeDefined();
    const latency = (exitAt - (green ?? 0)) / 1000;
    console.log(`after a 15 s wait on a busy environment: exit ${latency.toFixed(1)} s after Green with a ${WINDOW_S} s stability window`);
    expect(latency).toBeGreaterThanOrEqual(WINDOW_S - 0.5);
    expect(latency).toBeLessThanOrEqual(WINDOW_S + 4);
    expect(await servedVersion((await describeEnv(h.eb, 'busyg-dev')).CNAME)).toBe('v2');
  }, 90_000);
});
