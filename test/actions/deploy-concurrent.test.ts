// Two deploys to one environment at once, through the deploy-version action: one waits for the
// other's update (the environment is busy), its update then lands while the first is still in its
// stability window. The first says it was superseded by the second's version and undoes nothing;
// the second is gated and wins; its version is what the load balancer serves at the end.
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, releaseMarks, useEmulator } from '../support/emulator.js';
import { runEntry, servedVersion, whenLogged, type EntryResult, type RunOptions } from './run-entry.js';

const h = useEmulator();

describe('deploy-version action: concurrent deploys to one environment', () => {
  it('one wins, the other reports superseded by its version: no rollback, no failed tag, the winner serves', async () => {
    await createEnvironmentReady(h, { app: 'duo', env: 'duo-dev', label: 'v1' });
    await createTestVersion(h, 'duo', 'v2');
    await createTestVersion(h, 'duo', 'v3');
    // A 20 s window: the second deploy's update lands while the first is still holding.
    const deploy = (label: string): Promise<EntryResult> =>
      runEntry('deploy-version', {
        inputs: { 'application-name': 'duo', 'environment-name': 'duo-dev', 'version-label': label, 'stable-seconds': '20', 'deploy-timeout': '2m', 'ready-timeout': '1m' },
        env: h.emulator.env,
        timeoutMs: 150_000,
      });
    const [a, b] = await Promise.all([deploy('v2'), deploy('v3')]);
    const runs = { v2: a, v3: b };
    const winner = a.code === 0 ? 'v2' : 'v3';
    const loser = winner === 'v2' ? 'v3' : 'v2';
    const won = runs[winner];
    const lost = runs[loser];
    expect(won.code, won.stdout).toBe(0);
    expect(won.outputs).toMatchObject({ outcome: 'deployed', 'went-live': 'true', 'version-label': winner });
    expect(lost.code, lost.stdout).toBe(1);
    expect(lost.errors.at(-1)).toMatch(new RegExp(`deploy of "${loser}" did not finish: superseded by "${winner}": another update of the environment \\(request [0-9a-f-]+\\) replaced "${loser}" while this run was gating it\\. Nothing was rolled back and no verdict was recorded`));
    expect(lost.outputs).toMatchObject({ outcome: 'superseded', 'superseded-by': winner, 'rolled-back': 'false', 'went-live': 'true' });
    expect(lost.summary).toMatch(/superseded by another deploy/);
    // Neither undid the other, nor called the other's version EB's own undo.
    for (const r of [won, lost]) {
      expect(r.stdout).not.toMatch(/Rolling back/);
      expect(r.stdout).not.toMatch(/rolled the deploy back itself/);
    }
    // The winner had waited for the busy environment.
    expect(won.stdout).toMatch(/is Updating; waiting for Ready|another operation started on "duo-dev" first/);
    const env = await describeEnv(h.eb, 'duo-dev');
    expect(env.VersionLabel).toBe(winner);
    expect(await servedVersion(env.CNAME)).toBe(winner);
    // Only the winner's verdict is recorded; the superseded version is neither verified nor failed.
    expect(await releaseMarks(h.eb, 'duo', 'duo-dev')).toEqual({ [winner]: 'verified' });
  }, 160_000);

  it('a good deploy lands while a broken one\'s rollback is gated: the rollback is superseded, nothing undone, the good one serves', async () => {
    await createEnvironmentReady(h, { app: 'pair', env: 'pair-dev', label: 'v1' });
    await createTestVersion(h, 'pair', 'v2', { mode: 'unhealthy' });
    await createTestVersion(h, 'pair', 'v3');
    const deploy = (label: string, onSpawn?: RunOptions['onSpawn']): Promise<EntryResult> =>
      runEntry('deploy-version', {
        inputs: { 'application-name': 'pair', 'environment-name': 'pair-dev', 'version-label': label, 'stable-seconds': '20', 'deploy-timeout': '2m', 'ready-timeout': '2m' },
        env: h.emulator.env,
        timeoutMs: 200_000,
        ...(onSpawn ? { onSpawn } : {}),
      });
    // The good deploy starts once the broken one is rolling back: it waits for the rollback's
    // update, then lands inside the rollback's stability window.
    let good: Promise<EntryResult> | undefined;
    const bad = await deploy('v2', (child, stdout) => whenLogged(child, stdout, [/Rolling back "pair-dev" to "v1"/], () => {
      good = deploy('v3');
    }));
    expect(good).toBeDefined();
    const won = await good!;
    expect(won.code, won.stdout).toBe(0);
    expect(won.outputs).toMatchObject({ outcome: 'deployed', 'version-label': 'v3' });
    expect(bad.code, bad.stdout).toBe(1);
    expect(bad.errors.at(-1)).toMatch(
      /deploy of "v2" failed: unhealthy in 2 consecutive EB health reports .*While its rollback to "v1" was gated, it was superseded by "v3": another update of the environment \(request [0-9a-f-]+\) replaced "v1" while this run was gating it; nothing was undone\./,
    );
    expect(bad.outputs).toMatchObject({ outcome: 'superseded', 'superseded-by': 'v3', 'went-live': 'true' });
    expect(bad.stdout).not.toMatch(/needs attention/);
    const env = await describeEnv(h.eb, 'pair-dev');
    expect(env.VersionLabel).toBe('v3');
    expect(await servedVersion(env.CNAME)).toBe('v3');
    // v2 failed its own gate; the interrupted rollback gate judged nothing about v1.
    expect(await releaseMarks(h.eb, 'pair', 'pair-dev')).toEqual({ v2: 'failed', v3: 'verified' });
  }, 220_000);
});
