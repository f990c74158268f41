import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, useEmulator } from '../support/emulator.js';
import { writeTestAppBundle } from '../support/test-app.js';
import { runEntry, servedVersion } from './run-entry.js';

const h = useEmulator();
const tmp = await mkdtemp(join(tmpdir(), 'deploy-healthy-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('deploy action: healthy deploy, then a re-run of the same commit', () => {
  it('deploys v2, gates it, and reports outputs and a summary; a re-run uploads 0 bytes and reuses the version', async () => {
    await createEnvironmentReady(h, { app: 'shop', env: 'shop-dev', label: 'v1' });
    const bundle = join(tmp, 'v2');
    await writeTestAppBundle(bundle, { version: 'v2' });
    const inputs = { 'application-name': 'shop', 'environment-name': 'shop-dev', bundle, 'deploy-timeout': '2m', 'ready-timeout': '1m' };
    const env = { ...h.emulator.env, GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567' };

    const first = await runEntry('deploy', { inputs, env });
    expect(first.errors, first.stdout).toEqual([]);
    expect(first.code).toBe(0);
    const label = first.outputs['version-label'] ?? '';
    expect(label).toMatch(/^0123456789ab-[0-9a-f]{12}$/);
    expect(first.outputs).toMatchObject({ 'previous-version-label': 'v1', 'rolled-back': 'false', health: 'Ok (Green)', 'version-reused': 'false' });
    expect(first.outputs['bundle-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(first.outputs['s3-key']).toBe(`eb-pipeline/shop/${first.outputs['bundle-sha256']}.zip`);
    expect(Number(first.outputs['uploaded-bytes'])).toBeGreaterThan(0);
    expect(Number(first.outputs['deploy-seconds'])).toBeGreaterThan(0);
    const described = await describeEnv(h.eb, 'shop-dev');
    expect(first.outputs['environment-url']).toBe(`http://${described.CNAME}`);
    expect(described.VersionLabel).toBe(label);
    expect(await servedVersion(described.CNAME)).toBe('v2');
    expect(first.summary).toMatch(/Deploy to shop-dev: ✅ deployed/);
    expect(first.summary).toContain(label);
    expect(first.summary).toMatch(/<th>Instance<\/th>/);
    expect(first.stdout).toMatch(/gate passed/);
    // The whole run's describe calls (the preflight's included): one count, in the log and the summary.
    const use = /EB describe calls over the run: (\d+) describe calls in ([\d.]+) s \(([\d.]+)\/s; budget ≤ 1\/s\)/.exec(first.stdout);
    expect(use, first.stdout).not.toBeNull();
    expect(Number(use?.[1])).toBeGreaterThan(0);
    expect(first.summary).toContain(`${use?.[1] ?? '?'} describe calls in ${use?.[2] ?? '?'} s`);
    // The in-flight marker is cleared once the gate has decided: a later cancel aborts nothing.
    expect(first.state.inFlightUpdate).toBe('');

    const again = await runEntry('deploy', { inputs, env });
    expect(again.errors, again.stdout).toEqual([]);
    expect(again.code).toBe(0);
    expect(again.outputs).toMatchObject({ 'version-label': label, 'uploaded-bytes': '0', 'version-reused': 'true', 'rolled-back': 'false' });
    expect(again.outputs['s3-key']).toBe(first.outputs['s3-key']);
    expect(again.stdout).toMatch(/already holds this bundle/);
    expect(await servedVersion((await describeEnv(h.eb, 'shop-dev')).CNAME)).toBe('v2');
  });
});
