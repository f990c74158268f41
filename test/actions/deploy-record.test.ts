// The verified-release record through the real action entries on the emulator: the rollback
// action's default target is the last verified version, never a failed one; retention keeps, on
// every environment of the application, the version it runs and the one it would roll back to.
import { DescribeApplicationVersionsCommand, UpdateTagsForResourceCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, releaseMarks, useEmulator } from '../support/emulator.js';
import { deployInputs, runEntry, servedVersion, useBundleDir } from './run-entry.js';

const h = useEmulator();
const bundle = useBundleDir('deploy-record');

const labels = async (app: string): Promise<string[]> =>
  ((await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: app }))).ApplicationVersions ?? []).map((v) => v.VersionLabel ?? '').sort();

describe('verified-release record', () => {
  it('deploy v1 ok → v2 fails (rollback off, left live) → rollback with the default target goes to v1, not v2', async () => {
    await createEnvironmentReady(h, { app: 'rec', env: 'rec-dev', label: 'v0' });
    const env = h.emulator.env;
    const ok = await runEntry('deploy', { inputs: { ...deployInputs('rec', 'rec-dev', await bundle('v1', { version: 'v1' })), 'version-label': 'v1' }, env });
    expect(ok.code, ok.stdout).toBe(0);
    // Adopted on an environment with no record: the fallback target is what ran before, said so.
    expect(ok.outputs['rollback-target']).toBe('v0');
    expect(ok.stdout).toMatch(/"rec-dev" has no verified-release record yet \(no version carries eb-pipeline:verified:rec-dev\): falling back to the version it runs, "v0"/);
    expect(ok.summary).toMatch(/no verified-release record yet/);
    expect(ok.stdout).toMatch(/recorded "v1" as verified on "rec-dev" \(tag eb-pipeline:verified:rec-dev\)/);

    const broken = await bundle('v2', { version: 'v2', mode: 'unhealthy' });
    const bad = await runEntry('deploy', { inputs: { ...deployInputs('rec', 'rec-dev', broken), 'version-label': 'v2', rollback: 'false' }, env });
    expect(bad.code).toBe(1);
    expect(bad.errors.at(-1)).toMatch(/deploy of "v2" failed: .*Rollback is off/);
    expect((await describeEnv(h.eb, 'rec-dev')).VersionLabel).toBe('v2');

    const back = await runEntry('rollback', { inputs: { 'application-name': 'rec', 'environment-name': 'rec-dev', 'deploy-timeout': '40s' }, env });
    expect(back.code, back.stdout).toBe(0);
    expect(back.stdout).toMatch(/"v1" is the newest version verified healthy on "rec-dev" other than "v2"/);
    expect(back.outputs).toMatchObject({ 'version-label': 'v1', 'previous-version-label': 'v2' });
    expect(await servedVersion((await describeEnv(h.eb, 'rec-dev')).CNAME)).toBe('v1');
    expect(await releaseMarks(h.eb, 'rec', 'rec-dev')).toEqual({ v1: 'verified', v2: 'failed' });
  });

  it('keep-versions 1 keeps, on every environment, the running version and the newest verified one; prune of a missing application fails', async () => {
    await createEnvironmentReady(h, { app: 'keep', env: 'keep-prod', label: 'p0' });
    await createEnvironmentReady(h, { app: 'keep', env: 'keep-dev', label: 'd0' });
    const env = h.emulator.env;
    for (const label of ['v1', 'v2']) {
      const r = await runEntry('deploy', { inputs: { ...deployInputs('keep', 'keep-dev', await bundle(`keep-${label}`, { version: label })), 'version-label': label, 'keep-versions': '1' }, env });
      expect(r.code, r.stdout).toBe(0);
      expect(r.warnings).toEqual([]);
    }
    // p0 runs on keep-prod; v2 runs on keep-dev and v1 is keep-dev's rollback target; d0 (never verified) went.
    expect(await labels('keep')).toEqual(['p0', 'v1', 'v2']);

    const pruned = await runEntry('prune-versions', { inputs: { 'application-name': 'keep', 'keep-versions': '1' }, env });
    expect(pruned.code, pruned.stdout).toBe(0);
    expect(pruned.outputs).toMatchObject({ 'deleted-count': '0', 'kept-count': '3' });
    expect(pruned.stdout).toMatch(/also kept: .*v1 \(rollback target of keep-dev\)/);
    expect(pruned.stdout).toMatch(/p0 \(runs on keep-prod\)/);
    expect(await releaseMarks(h.eb, 'keep', 'keep-dev')).toEqual({ v1: 'verified', v2: 'verified' });

    const missing = await runEntry('prune-versions', { inputs: { 'application-name': 'no-such-app', 'keep-versions': '1' }, env });
    expect(missing.code).toBe(1);
    expect(missing.errors).toEqual(['input "application-name": application "no-such-app" does not exist in this region: nothing to prune']);
  });

  it('the verdict write: throttling is retried through; a refused write keeps the deploy a success and warns loudly', async () => {
    await createEnvironmentReady(h, { app: 'mark', env: 'mark-dev', label: 'v0' });
    const env = h.emulator.env;
    const deploy = (label: string) => runEntry('deploy-version', { inputs: { 'application-name': 'mark', 'environment-name': 'mark-dev', 'version-label': label, 'deploy-timeout': '40s' }, env });

    // More throttled answers than the SDK's own attempts: the engine's retries carry the write through.
    await createTestVersion(h, 'mark', 'v1');
    h.emulator.faults.throttle({ burst: 8, actions: ['UpdateTagsForResource'] });
    const throttled = await deploy('v1');
    expect(throttled.code, throttled.stdout).toBe(0);
    expect(throttled.warnings).toEqual([]);
    expect(throttled.stdout).toMatch(/recorded "v1" as verified on "mark-dev"/);

    // A version already carrying 50 tags: EB refuses the 51st (TooManyTagsException), not retryable.
    await createTestVersion(h, 'mark', 'v2');
    const arn = 'arn:aws:elasticbeanstalk:us-east-1:123456789012:applicationversion/mark/v2';
    await h.eb.send(new UpdateTagsForResourceCommand({ ResourceArn: arn, TagsToAdd: Array.from({ length: 50 }, (_, i) => ({ Key: `team-${i}`, Value: 'x' })) }));
    const refused = await deploy('v2');
    expect(refused.code, refused.stdout).toBe(0);
    expect(refused.outputs).toMatchObject({ 'version-label': 'v2', 'rolled-back': 'false' });
    expect(refused.warnings).toHaveLength(1);
    expect(refused.warnings[0]).toMatch(
      /^could not record "v2" as verified on "mark-dev" \(tag eb-pipeline:verified:mark-dev\): .*50.*the deploy stands, but later rollbacks will not know "v2" is verified\. Grant elasticbeanstalk:AddTags/,
    );
    // The summary escapes quotes (src/actions/summary.ts).
    expect(refused.summary).toMatch(/⚠️ could not record &quot;v2&quot; as verified on &quot;mark-dev&quot;/);
    expect(await servedVersion((await describeEnv(h.eb, 'mark-dev')).CNAME)).toBe('v2');
    expect(await releaseMarks(h.eb, 'mark', 'mark-dev')).toEqual({ v1: 'verified' });
  });
});
