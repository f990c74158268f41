// The one-step-each actions chained as a workflow would (upload-bundle → create-version →
// deploy-version → rollback → prune-versions), and the deploy action with nothing to roll back to.
import { CreateEnvironmentCommand, DescribeApplicationVersionsCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, ENVIRONMENT_ROLES, useEmulator, waitFor } from '../support/emulator.js';
import { deployInputs, runEntry, servedVersion, useBundleDir } from './run-entry.js';

const h = useEmulator();
const bundle = useBundleDir('step-actions');
const base = deployInputs;

describe('step actions', () => {
  it('upload-bundle → create-version → deploy-version → rollback → prune-versions', async () => {
    await createEnvironmentReady(h, { app: 'steps', env: 'steps-dev', label: 'v1' });
    const env = h.emulator.env;
    const up = await runEntry('upload-bundle', { inputs: { 'application-name': 'steps', bundle: await bundle('s2', { version: 'v2' }) }, env });
    expect(up.errors, up.stdout).toEqual([]);
    expect(up.outputs['s3-key']).toBe(`eb-pipeline/steps/${up.outputs['bundle-sha256']}.zip`);
    expect(Number(up.outputs['uploaded-bytes'])).toBeGreaterThan(0);

    const created = await runEntry('create-version', {
      inputs: { 'application-name': 'steps', 's3-key': up.outputs['s3-key'] ?? '', 'version-label': 'v2' },
      env,
    });
    expect(created.errors, created.stdout).toEqual([]);
    expect(created.outputs).toMatchObject({ 'version-label': 'v2', 'version-reused': 'false', 's3-key': up.outputs['s3-key'] });

    const deployed = await runEntry('deploy-version', { inputs: { 'application-name': 'steps', 'environment-name': 'steps-dev', 'version-label': 'v2', 'deploy-timeout': '40s' }, env });
    expect(deployed.errors, deployed.stdout).toEqual([]);
    expect(deployed.outputs).toMatchObject({ 'version-label': 'v2', 'previous-version-label': 'v1', 'rolled-back': 'false' });
    expect(await servedVersion((await describeEnv(h.eb, 'steps-dev')).CNAME)).toBe('v2');

    // v1 predates the record and v2 is the only verified version: no default (v1 could be a version
    // this environment never ran); the error names v1 as the hint, and naming it rolls back.
    const guess = await runEntry('rollback', { inputs: { 'application-name': 'steps', 'environment-name': 'steps-dev', 'deploy-timeout': '40s' }, env });
    expect(guess.code).toBe(1);
    expect(guess.errors).toEqual([
      'nothing to roll back to: no version other than "v2" is verified healthy on "steps-dev" (the newest older version that did not fail there is "v1", not verified on "steps-dev"); name the version to roll back to (version-label)',
    ]);
    expect(await servedVersion((await describeEnv(h.eb, 'steps-dev')).CNAME)).toBe('v2');
    const back = await runEntry('rollback', { inputs: { 'application-name': 'steps', 'environment-name': 'steps-dev', 'version-label': 'v1', 'deploy-timeout': '40s' }, env });
    expect(back.errors, back.stdout).toEqual([]);
    expect(back.outputs).toMatchObject({ 'version-label': 'v1', 'previous-version-label': 'v2' });
    expect(await servedVersion((await describeEnv(h.eb, 'steps-dev')).CNAME)).toBe('v1');

    const missing = await runEntry('rollback', { inputs: { 'application-name': 'steps', 'environment-name': 'steps-dev', 'version-label': 'v0-gone', 'deploy-timeout': '40s' }, env });
    expect(missing.code).toBe(1);
    expect(missing.errors).toEqual(['cannot roll back to "v0-gone": no such application version in "steps"']);
    expect(await servedVersion((await describeEnv(h.eb, 'steps-dev')).CNAME)).toBe('v1');

    const pruned = await runEntry('prune-versions', { inputs: { 'application-name': 'steps', 'keep-versions': '1', 'protect-version-labels': '' }, env });
    expect(pruned.errors, pruned.stdout).toEqual([]);
    // v2 is the newest and kept (and the newest verified other than v1); v1 runs: nothing to delete.
    expect(pruned.outputs).toMatchObject({ 'deleted-count': '0', 'kept-count': '2' });
    const versions = await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'steps' }));
    expect(versions.ApplicationVersions?.map((v) => v.VersionLabel).sort()).toEqual(['v1', 'v2']);
  });

  it('rollback target missing (the environment ran no version) → fails saying the environment needs attention', async () => {
    await createEnvironmentReady(h, { app: 'orphan', env: 'orphan-seed', label: 'seed' });
    // An environment launched without a version runs EB's sample application: nothing to go back to.
    await h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'orphan', EnvironmentName: 'orphan-dev', OptionSettings: ENVIRONMENT_ROLES }));
    await waitFor('orphan-dev Ready', () => describeEnv(h.eb, 'orphan-dev'), (e) => e.Status === 'Ready');
    const dir = await bundle('orphan', { version: 'v2', mode: 'unhealthy' });
    const r = await runEntry('deploy', { inputs: { ...base('orphan', 'orphan-dev', dir), 'version-label': 'v2' }, env: h.emulator.env });
    expect(r.code).toBe(1);
    expect(r.errors.at(-1)).toMatch(/deploy of "v2" failed: .*There is nothing to roll back to \("orphan-dev" has no verified-release record and runs no other version\): the environment needs attention/);
    expect(r.outputs).toMatchObject({ 'rolled-back': 'false', 'previous-version-label': '' });
    expect(r.summary).toMatch(/environment needs attention/);
  });
});
