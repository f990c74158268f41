// Health that holds, and failure decided as fast as health is known, through the deploy action
// with its DEFAULT gate inputs: a release that dies 30 s after it starts (after EB showed it
// Green) is caught inside the stability window and rolled back; a release that is Severe as soon
// as its update finishes fails within a few seconds, not after a grace.
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, releaseMarks, useEmulator } from '../support/emulator.js';
import { runEntry, servedVersion, useBundleDir } from './run-entry.js';
import { watchEnvironment } from './timeline.js';

const h = useEmulator();
const bundle = useBundleDir('deploy-stability');
const defaults = (app: string, env: string, dir: string, label: string) => ({ 'application-name': app, 'environment-name': env, bundle: dir, 'version-label': label });

describe('deploy action: the stability window (default inputs)', () => {
  it('a release that exits 30 s after it starts → caught inside the window after Green, rolled back, v1 serving, v2 tagged failed', async () => {
    await createEnvironmentReady(h, { app: 'late', env: 'late-dev', label: 'v1' });
    const dir = await bundle('late', { version: 'v2', mode: 'crash-after', seconds: 30 });
    const watch = watchEnvironment(h.eb, 'late-dev');
    const r = await runEntry('deploy', { inputs: defaults('late', 'late-dev', dir, 'v2'), env: h.emulator.env, defaultGate: true, timeoutMs: 170_000 });
    const timeline = watch.stop();
    expect(r.code, r.stdout).toBe(1);
    // EB showed v2 Green before the crash: three instants would have passed it.
    const green = timeline.firstGreenOn('v2');
    expect(green).toBeDefined();
    expect(r.stdout).toMatch(/healthy: Ready on "v2", health Ok \(Green\); holding for 45 s \(stability window\)/);
    expect(r.errors.at(-2) ?? r.errors.at(-1)).toMatch(/deploy of "v2" failed: health did not hold: .*(Severe|Degraded|Warning).* into the 45 s stability window/);
    expect(r.errors.at(-1)).toMatch(/Rolled back to "v1", which is healthy again/);
    expect(r.outputs).toMatchObject({ 'version-label': 'v2', 'rolled-back': 'true', outcome: 'rolled-back', 'went-live': 'true', 'rollback-target': 'v1' });
    const env = await describeEnv(h.eb, 'late-dev');
    expect(env.VersionLabel).toBe('v1');
    expect(await servedVersion(env.CNAME)).toBe('v1');
    expect(await releaseMarks(h.eb, 'late', 'late-dev')).toEqual({ v1: 'verified', v2: 'failed' });
  }, 180_000);

  it('Severe as soon as the update finishes → the gate fails within seconds of EB finishing the update (two health reports), not after a grace', async () => {
    await createEnvironmentReady(h, { app: 'fast', env: 'fast-dev', label: 'v1' });
    const dir = await bundle('fast', { version: 'v2', mode: 'unhealthy' });
    const watch = watchEnvironment(h.eb, 'fast-dev');
    let failedAt: number | undefined;
    const r = await runEntry('deploy', {
      inputs: defaults('fast', 'fast-dev', dir, 'v2'),
      env: h.emulator.env,
      defaultGate: true,
      timeoutMs: 170_000,
      onSpawn: (child, stdout) => {
        const timer = setInterval(() => {
          if (failedAt === undefined && /::error::deploy of "v2" failed/.test(stdout())) failedAt = Date.now();
        }, 20);
        child.on('close', () => clearInterval(timer));
      },
    });
    const timeline = watch.stop();
    expect(r.code).toBe(1);
    expect(r.errors.at(-1)).toMatch(/deploy of "v2" failed: unhealthy in 2 consecutive EB health reports after the update finished: health is (Severe|Degraded).*Rolled back to "v1"/);
    expect(r.outputs).toMatchObject({ outcome: 'rolled-back', 'went-live': 'true' });
    const live = timeline.firstReadyOn('v2');
    expect(live).toBeDefined();
    expect(failedAt).toBeDefined();
    const decided = ((failedAt ?? 0) - (live ?? 0)) / 1000;
    const recovered = ((timeline.firstServing('v1', live ?? 0) ?? Infinity) - (live ?? 0)) / 1000;
    console.log(`fast failure: verdict ${decided.toFixed(1)} s after EB finished the update on v2; v1 served again ${recovered.toFixed(1)} s after v2 went live`);
    // EB reports every 0.2 s at this time scale: two reports + a poll or two, never a grace.
    expect(decided).toBeLessThan(5);
    expect(recovered).toBeLessThan(15);
    expect(await servedVersion((await describeEnv(h.eb, 'fast-dev')).CNAME)).toBe('v1');
    expect(await releaseMarks(h.eb, 'fast', 'fast-dev')).toEqual({ v1: 'verified', v2: 'failed' });
  }, 180_000);
});
