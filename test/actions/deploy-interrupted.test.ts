// A job that dies or is cancelled at the worst moments, through the real action entries and the
// runner's cancel sequence on the emulator: a re-run after a SIGKILL mid-deploy recovers to the last
// verified version, and a cancel during the rollback leaves the repair alone.
import { DescribeEventsCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, releaseMarks, useEmulator, waitFor } from '../support/emulator.js';
import { cancelLikeRunner, deployInputs, runEntry, servedVersion, useBundleDir, whenLogged } from './run-entry.js';

const h = useEmulator();
const bundle = useBundleDir('deploy-interrupted');

describe('deploy action: interrupted', () => {
  it('SIGKILL after UpdateEnvironment leaves a broken version live; re-running the same deploy recovers to the last verified version', async () => {
    await createEnvironmentReady(h, { app: 'intr', env: 'intr-dev', label: 'v0' });
    const env = h.emulator.env;
    const ok = await runEntry('deploy', { inputs: { ...deployInputs('intr', 'intr-dev', await bundle('v1', { version: 'v1' })), 'version-label': 'v1' }, env });
    expect(ok.code, ok.stdout).toBe(0);

    const inputs = { ...deployInputs('intr', 'intr-dev', await bundle('v2', { version: 'v2', mode: 'unhealthy' })), 'version-label': 'v2' };
    const killed = await runEntry('deploy', { inputs, env, onSpawn: (child, stdout) => whenLogged(child, stdout, [/UpdateEnvironment accepted/], () => child.kill('SIGKILL')) });
    expect(killed.signal).toBe('SIGKILL');
    // Saved before the call, so even this kill left it behind.
    expect(JSON.parse(killed.state.inFlightUpdate ?? '{}')).toMatchObject({ kind: 'deploy', versionLabel: 'v2', previousVersionLabel: 'v1' });
    const live = await waitFor('v2 live', () => describeEnv(h.eb, 'intr-dev'), (e) => e.Status === 'Ready' && e.VersionLabel === 'v2', 60_000);
    // The broken release is live: the load balancer has no healthy instance to send requests to.
    await waitFor('the load balancer failing', async () => (await fetch(`http://${live.CNAME ?? ''}/`)).status, (status) => status >= 500);
    expect(await releaseMarks(h.eb, 'intr', 'intr-dev')).toEqual({ v1: 'verified' });

    const rerun = await runEntry('deploy', { inputs, env });
    expect(rerun.code).toBe(1);
    expect(rerun.stdout).toMatch(/"v1" is the version last verified healthy on "intr-dev": that is the rollback target/);
    expect(rerun.outputs).toMatchObject({ 'previous-version-label': 'v2', 'rollback-target': 'v1', 'rolled-back': 'true' });
    expect(rerun.errors.at(-1)).toMatch(/deploy of "v2" failed: .*Rolled back to "v1", which is healthy again/);
    expect(await servedVersion((await describeEnv(h.eb, 'intr-dev')).CNAME)).toBe('v1');
    expect(await releaseMarks(h.eb, 'intr', 'intr-dev')).toEqual({ v1: 'verified', v2: 'failed' });
  });

  it('cancelled during the rollback: the post step leaves the repair alone, it completes, the old version serves', async () => {
    await createEnvironmentReady(h, { app: 'repair', env: 'repair-dev', label: 'v0' });
    const env = h.emulator.env;
    // The rollback's redeploy of v0 starts slowly, so the job is cancelled while it is under way.
    h.emulator.faults.appFault('v0', { mode: 'slow-start', seconds: 4 });
    const inputs = { ...deployInputs('repair', 'repair-dev', await bundle('v2', { version: 'v2', mode: 'unhealthy' })), 'version-label': 'v2' };
    const main = await runEntry('deploy', {
      inputs,
      env,
      onSpawn: (child, stdout) =>
        whenLogged(child, stdout, [/Rolling back "repair-dev" to "v0"[\s\S]*UpdateEnvironment accepted/, /recorded "v2" as failed/], () => cancelLikeRunner(child)),
    });
    expect(main.signal === 'SIGINT' || main.signal === 'SIGTERM').toBe(true);
    expect(JSON.parse(main.state.inFlightUpdate ?? '{}')).toMatchObject({ kind: 'rollback', versionLabel: 'v0' });

    const post = await runEntry('deploy', { inputs: { 'application-name': 'repair', 'environment-name': 'repair-dev' }, env, state: main.state });
    expect(post.code).toBe(0);
    expect(post.errors).toEqual([]);
    expect(post.warnings).toEqual([
      'the job was cancelled while rolling "repair-dev" back to "v0": the rollback repairs the environment, so it was left alone to finish (not aborted)',
    ]);
    expect(post.stdout).toMatch(/"repair-dev" is Ready on "v0" \(Green\): the rollback completed/);
    const after = await describeEnv(h.eb, 'repair-dev');
    expect(after).toMatchObject({ Status: 'Ready', VersionLabel: 'v0', Health: 'Green' });
    expect(await servedVersion(after.CNAME)).toBe('v0');
    const events = (await h.eb.send(new DescribeEventsCommand({ EnvironmentName: 'repair-dev' }))).Events ?? [];
    expect(events.map((e) => e.Message)).not.toContain('Environment update was aborted.');
    // The job died before the rollback's own verdict: v0 stays unrecorded, v2 is marked failed.
    expect(await releaseMarks(h.eb, 'repair', 'repair-dev')).toEqual({ v2: 'failed' });
  });

  it('the rollback action cancelled during its update: its post step does not abort it either', async () => {
    await createEnvironmentReady(h, { app: 'ract', env: 'ract-dev', label: 'v0' });
    await createTestVersion(h, 'ract', 'v1', { mode: 'slow-start', seconds: 4 });
    const env = h.emulator.env;
    const inputs = { 'application-name': 'ract', 'environment-name': 'ract-dev', 'version-label': 'v1', 'deploy-timeout': '40s' };
    const main = await runEntry('rollback', { inputs, env, onSpawn: (child, stdout) => whenLogged(child, stdout, [/UpdateEnvironment accepted/], () => cancelLikeRunner(child)) });
    expect(JSON.parse(main.state.inFlightUpdate ?? '{}')).toMatchObject({ kind: 'rollback', versionLabel: 'v1' });
    const post = await runEntry('rollback', { inputs, env, state: main.state });
    expect(post.code).toBe(0);
    expect(post.warnings).toEqual(['the job was cancelled while rolling "ract-dev" back to "v1": the rollback repairs the environment, so it was left alone to finish (not aborted)']);
    const after = await describeEnv(h.eb, 'ract-dev');
    expect(after).toMatchObject({ Status: 'Ready', VersionLabel: 'v1', Health: 'Green' });
    expect(await servedVersion(after.CNAME)).toBe('v1');
    expect(await releaseMarks(h.eb, 'ract', 'ract-dev')).toEqual({});
  });
});
