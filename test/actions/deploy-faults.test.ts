// AWS misbehaving: bursts of 5xx from EB and S3, and an update
// that never completes (aborted at the deadline, then rolled back).
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, useEmulator } from '../support/emulator.js';
import { deployInputs, runEntry, servedVersion, useBundleDir } from './run-entry.js';

const h = useEmulator();
const bundle = useBundleDir('deploy-faults');
const v2 = (name: string): Promise<string> => bundle(name, { version: 'v2' });
const inputs = (app: string, env: string, dir: string, timeout = '40s') => ({ ...deployInputs(app, env, dir), 'version-label': 'v2', 'deploy-timeout': timeout });

describe('deploy action: AWS faults', () => {
  it('5xx bursts from EB and S3 → retried past the SDK’s own attempts, deploys', async () => {
    await createEnvironmentReady(h, { app: 'five', env: 'five-dev', label: 'v1' });
    h.emulator.faults.serverErrors({ count: 7, status: 503 });
    h.emulator.faults.s3ServerErrors(3);
    try {
      const r = await runEntry('deploy', { inputs: inputs('five', 'five-dev', await v2('five')), env: h.emulator.env });
      expect(r.errors, r.stdout).toEqual([]);
      expect(r.code).toBe(0);
      // 7 errors in a row outlast the SDK's 5 attempts: the engine's own retry took over.
      expect(r.stdout).toMatch(/::debug::\w+: ServiceUnavailable .*retrying in \d+ ms/);
    } finally {
      h.emulator.faults.clear();
    }
    expect(await servedVersion((await describeEnv(h.eb, 'five-dev')).CNAME)).toBe('v2');
  });

  it('update that never completes → deadline, abort, back on the previous version', async () => {
    await createEnvironmentReady(h, { app: 'hang', env: 'hang-dev', label: 'v1' });
    h.emulator.faults.stuckUpdate('hang-dev');
    const started = Date.now();
    const r = await runEntry('deploy', { inputs: inputs('hang', 'hang-dev', await v2('hang'), '12s'), env: h.emulator.env });
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(r.code).toBe(1);
    expect(r.errors.at(-1), r.stdout).toMatch(/deploy of "v2" failed before it went live: deadline \(deploy-timeout \(12 s\)\) passed: status is Updating.*"v1" is running and healthy again/);
    expect(r.stdout).toMatch(/aborting the update in progress on "hang-dev"/);
    // Aborted before it went live, not rolled back from live: the outputs say which.
    expect(r.outputs).toMatchObject({ 'rolled-back': 'true', outcome: 'aborted', 'went-live': 'false' });
    expect(r.summary).toMatch(/failed before it went live/);
    const env = await describeEnv(h.eb, 'hang-dev');
    expect(env.VersionLabel).toBe('v1');
    expect(await servedVersion(env.CNAME)).toBe('v1');
  });
});
