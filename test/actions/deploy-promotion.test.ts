// Promotion (deploy-version with promote-from-environment, what deploy-production runs) through the
// real action entry and the `eb-pipeline verify-promotion` CLI, over the SDK to the emulator: only a
// version that passed the gate on dev (tag eb-pipeline:verified:<dev>, no later failed mark) and
// that dev runs Ready and Green now reaches production; anything else fails before any change.
import { spawn } from 'node:child_process';
import { UpdateEnvironmentCommand, UpdateTagsForResourceCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, releaseMarks, useEmulator, waitFor } from '../support/emulator.js';
import { deployInputs, runEntry, servedVersion, useBundleDir } from './run-entry.js';

const h = useEmulator();
const bundle = useBundleDir('deploy-promotion');
const APP = 'promo';
const arnOf = (label: string) => `arn:aws:elasticbeanstalk:us-east-1:123456789012:applicationversion/${APP}/${label}`;

const promote = (from: string, to: string, label = '') =>
  runEntry('deploy-version', {
    inputs: { 'application-name': APP, 'environment-name': to, 'promote-from-environment': from, 'version-label': label, 'deploy-timeout': '40s' },
    env: h.emulator.env,
  });

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/entries/cli.ts', ...args], { env: { ...process.env, ...h.emulator.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Production is untouched: same version, Ready, and no update was ever started on it. */
async function expectUntouched(env: string, label: string): Promise<void> {
  const prod = await describeEnv(h.eb, env);
  expect(prod).toMatchObject({ VersionLabel: label, Status: 'Ready' });
  expect(await servedVersion(prod.CNAME)).toBe(label);
}

describe('promotion from dev to production', () => {
  it('a version dev never verified is refused; once dev verifies it, it is promoted, and production verifies it in turn', async () => {
    await createEnvironmentReady(h, { app: APP, env: 'promo-dev', label: 'v0' });
    await createEnvironmentReady(h, { app: APP, env: 'promo-prod', label: 'p0' });

    // dev runs v0, created outside the suite: no verified mark.
    const unverified = await promote('promo-dev', 'promo-prod');
    expect(unverified.code).toBe(1);
    expect(unverified.errors.at(-1)).toBe(
      'not promoting from "promo-dev": "v0" never passed the gate there (no tag eb-pipeline:verified:promo-dev: deployed outside this suite, or before the record existed; redeploy it to "promo-dev" through the suite first); nothing was deployed',
    );
    await expectUntouched('promo-prod', 'p0');
    expect(unverified.summary).toMatch(/failed.*\n[\s\S]*never passed the gate there/);
    const cliRefused = await cli(['verify-promotion', '-a', APP, '-f', 'promo-dev']);
    expect(cliRefused.code).toBe(1);
    expect(cliRefused.stderr).toMatch(/"v0" never passed the gate there/);

    // The suite deploys v1 to dev: the gate passes and marks it verified on dev.
    const dev = await runEntry('deploy', { inputs: { ...deployInputs(APP, 'promo-dev', await bundle('v1', { version: 'v1' })), 'version-label': 'v1' }, env: h.emulator.env });
    expect(dev.code, dev.stdout).toBe(0);

    const cliOk = await cli(['verify-promotion', '-a', APP, '-f', 'promo-dev']);
    expect(cliOk.code, cliOk.stderr).toBe(0);
    expect(cliOk.stdout).toMatch(/^ok: "v1" passed the gate on "promo-dev" at \d{4}-\d\d-\d\dT[\d:.]+Z and "promo-dev" is Ready and Green on it now\nv1\n$/);

    const ok = await promote('promo-dev', 'promo-prod');
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/promoting: "v1" passed the gate on "promo-dev"/);
    expect(ok.outputs).toMatchObject({ 'version-label': 'v1', 'previous-version-label': 'p0', 'rolled-back': 'false' });
    expect(ok.summary).toMatch(/Deploy v1 to promo-prod/);
    expect(ok.summary).toMatch(/<td>Promoted because<\/td><td>&quot;v1&quot; passed the gate on &quot;promo-dev&quot; at [^<]+ and &quot;promo-dev&quot; is Ready and Green on it now<\/td>/);
    expect(await servedVersion((await describeEnv(h.eb, 'promo-prod')).CNAME)).toBe('v1');
    expect(await releaseMarks(h.eb, APP, 'promo-prod')).toEqual({ v1: 'verified' });
  });

  it('a label the reviewer approved that dev no longer runs is refused', async () => {
    const stale = await promote('promo-dev', 'promo-prod', 'v0');
    expect(stale.code).toBe(1);
    expect(stale.errors.at(-1)).toBe(
      'not promoting from "promo-dev": it runs "v1", not "v0" (promote only what the source environment runs now); nothing was deployed',
    );
    // Given the label dev does run, it passes (production already runs it: a redeploy, gated).
    const same = await promote('promo-dev', 'promo-prod', 'v1');
    expect(same.code, same.stdout).toBe(0);
  });

  it('a version whose latest mark on dev is failed is refused, though dev is Green on it', async () => {
    await h.eb.send(new UpdateTagsForResourceCommand({ ResourceArn: arnOf('v1'), TagsToAdd: [{ Key: 'eb-pipeline:failed:promo-dev', Value: new Date(Date.now() + 1000).toISOString() }] }));
    expect((await describeEnv(h.eb, 'promo-dev')).Health).toBe('Green');
    const failed = await promote('promo-dev', 'promo-prod');
    expect(failed.code).toBe(1);
    expect(failed.errors.at(-1)).toBe(
      'not promoting from "promo-dev": "v1" failed its gate there (tag eb-pipeline:failed:promo-dev) and was not verified since; nothing was deployed',
    );
    await h.eb.send(new UpdateTagsForResourceCommand({ ResourceArn: arnOf('v1'), TagsToRemove: ['eb-pipeline:failed:promo-dev'] }));
  });

  it('dev mid-deploy (Updating) is refused', async () => {
    await createTestVersion(h, APP, 'v2-slow', { mode: 'slow-start', seconds: 30 });
    await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'promo-dev', VersionLabel: 'v2-slow' }));
    await waitFor('promo-dev Updating', () => describeEnv(h.eb, 'promo-dev'), (e) => e.Status === 'Updating');
    const busy = await promote('promo-dev', 'promo-prod');
    expect(busy.code).toBe(1);
    expect(busy.errors.at(-1)).toMatch(/^not promoting from "promo-dev": it is Updating \(a deploy may be in flight\), not Ready on "(v1|v2-slow)"; nothing was deployed$/);
    await expectUntouched('promo-prod', 'v1');
  }, 60_000);

  it('an unhealthy source environment is refused', async () => {
    await createEnvironmentReady(h, { app: APP, env: 'promo-qa', label: 'q0' });
    const broken = await runEntry('deploy', {
      inputs: { ...deployInputs(APP, 'promo-qa', await bundle('q1', { version: 'q1', mode: 'unhealthy' })), 'version-label': 'q1', rollback: 'false', 'deploy-timeout': '20s' },
      env: h.emulator.env,
    });
    expect(broken.code).toBe(1);
    const qa = await waitFor('promo-qa Ready', () => describeEnv(h.eb, 'promo-qa'), (e) => e.Status === 'Ready');
    expect(qa.Health).not.toBe('Green');
    const red = await promote('promo-qa', 'promo-prod');
    expect(red.code).toBe(1);
    expect(red.errors.at(-1)).toMatch(/^not promoting from "promo-qa": its health is (Red|Yellow|Grey)( \(\w+\))?, not Green, on "q1"; nothing was deployed$/);
    await expectUntouched('promo-prod', 'v1');
  }, 90_000);

  it('bad input: each error names the input', async () => {
    const same = await promote('promo-prod', 'promo-prod');
    expect(same.code).toBe(1);
    expect(same.errors.at(-1)).toMatch(/input "promote-from-environment" is "promo-prod", the environment being deployed/);
    const missing = await promote('promo-nope', 'promo-prod');
    expect(missing.errors.at(-1)).toMatch(/input "promote-from-environment": environment "promo-nope" does not exist in application "promo"/);
    const usage = await cli(['verify-promotion', '-a', APP]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^eb-pipeline verify-promotion: input "promote-from-environment" is required/);
    const none = await runEntry('deploy-version', { inputs: { 'application-name': APP, 'environment-name': 'promo-prod' }, env: h.emulator.env });
    expect(none.errors.at(-1)).toMatch(/input "version-label"/);
  });
});
