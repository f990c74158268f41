// Deploys that must not go live: a broken version is rolled back, a version EB cannot process
// stops before the environment is touched, a label that names other bytes is refused.
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, useEmulator } from '../support/emulator.js';
import { deployInputs, runEntry, servedVersion, useBundleDir } from './run-entry.js';

const h = useEmulator();
const bundle = useBundleDir('deploy-failures');
const base = deployInputs;

describe('deploy action: failures', () => {
  it('broken version (Red) → rolled back, the old version serving, the job failed', async () => {
    await createEnvironmentReady(h, { app: 'red', env: 'red-dev', label: 'v1' });
    const dir = await bundle('broken', { version: 'v2', mode: 'unhealthy' });
    const r = await runEntry('deploy', { inputs: { ...base('red', 'red-dev', dir), 'version-label': 'v2' }, env: h.emulator.env });
    expect(r.code).toBe(1);
    expect(r.errors.at(-1)).toMatch(/deploy of "v2" failed: unhealthy in 2 consecutive EB health reports after the update finished: health is (Severe|Degraded).*Rolled back to "v1", which is healthy again/);
    // It went live (EB finished the update on it, serving errors) before the rollback.
    expect(r.outputs).toMatchObject({ 'version-label': 'v2', 'previous-version-label': 'v1', 'rolled-back': 'true', outcome: 'rolled-back', 'went-live': 'true' });
    expect(r.summary).toMatch(/failed, rolled back/);
    const env = await describeEnv(h.eb, 'red-dev');
    expect(env.VersionLabel).toBe('v1');
    expect(await servedVersion(env.CNAME)).toBe('v1');
  });

  it('processing Failed → stops with EB’s reason, environment untouched', async () => {
    await createEnvironmentReady(h, { app: 'proc', env: 'proc-dev', label: 'v1' });
    h.emulator.faults.failProcessing('v2-bad', 'Configuration files cannot be parsed: .ebextensions/01-app.config line 3');
    const dir = await bundle('proc', { version: 'v2' });
    const r = await runEntry('deploy', { inputs: { ...base('proc', 'proc-dev', dir), 'version-label': 'v2-bad' }, env: h.emulator.env });
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/could not process application version "v2-bad": .*Configuration files cannot be parsed.*The environment was not touched/);
    expect(r.outputs['bundle-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(r.outputs['rolled-back']).toBe('false');
    expect(r.stdout).not.toMatch(/UpdateEnvironment accepted/);
    const env = await describeEnv(h.eb, 'proc-dev');
    expect(env.VersionLabel).toBe('v1');
    expect(await servedVersion(env.CNAME)).toBe('v1');
  });

  it('label clash with different bytes → refused, nothing deployed', async () => {
    await createEnvironmentReady(h, { app: 'clash', env: 'clash-dev', label: 'v1' });
    await createTestVersion(h, 'clash', 'v2');
    const dir = await bundle('clash', { version: 'v2-other' });
    const r = await runEntry('deploy', { inputs: { ...base('clash', 'clash-dev', dir), 'version-label': 'v2' }, env: h.emulator.env });
    expect(r.code).toBe(1);
    expect(r.errors[0]).toMatch(/version label "v2" already exists in "clash" with a different bundle \(s3:\/\/.*clash\/v2\.zip, not s3:\/\/.*\); refusing/);
    const env = await describeEnv(h.eb, 'clash-dev');
    expect(env.VersionLabel).toBe('v1');
    expect(await servedVersion(env.CNAME)).toBe('v1');
  });
});
