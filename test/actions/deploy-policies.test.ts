// What only a version-aware gate catches: Rolling's mixed versions mid-way, Immutable undoing a
// deploy by itself (Ready, maybe Green — on the old version), and a health URL naming the wrong version.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, useEmulator } from '../support/emulator.js';
import { runEntry, servedVersion, useBundleDir } from './run-entry.js';

const h = useEmulator();
// A health URL that keeps naming the old version, like a stale cache in front of the app.
let stale: Server;
let staleUrl = '';
beforeAll(async () => {
  stale = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"v1"}'));
  await new Promise<void>((resolve) => stale.listen(0, '127.0.0.1', resolve));
  staleUrl = `http://127.0.0.1:${(stale.address() as AddressInfo).port}/healthz`;
});
afterAll(async () => {
  await new Promise((resolve) => stale.close(resolve));
});

const bundle = useBundleDir('deploy-policies');

describe('deploy action: policies and the version-aware gate', () => {
  it('Rolling: mixed versions mid-way are not success; success once every instance runs v2', async () => {
    const rolling = { deploymentPolicy: 'Rolling', batchSize: 1, instances: 3 } as const;
    const before = await createEnvironmentReady(h, { app: 'roll', env: 'roll-dev', label: 'v1', appOptions: rolling });
    const seen = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await servedVersion(before.CNAME).then((v) => seen.add(v), () => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const r = await runEntry('deploy', {
      inputs: { 'application-name': 'roll', 'environment-name': 'roll-dev', bundle: await bundle('roll', { version: 'v2', ...rolling }), 'version-label': 'v2', 'deploy-timeout': '1m' },
      env: h.emulator.env,
    });
    sampling = false;
    await sampler;
    expect(r.errors, r.stdout).toEqual([]);
    expect(r.code).toBe(0);
    // Both versions answered through the load balancer during the deploy: it really was mixed.
    expect([...seen].sort()).toEqual(['v1', 'v2']);
    expect(r.stdout).toMatch(/Batch 3: Completed application deployment[\s\S]*gate passed/);
    const rows = r.summary.match(/<tr><td>i-[^<]+<\/td><td>[^<]+<\/td><td>[^<]+<\/td><\/tr>/g) ?? [];
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/<td>Ok<\/td><td>v2<\/td>/);
    expect(await servedVersion((await describeEnv(h.eb, 'roll-dev')).CNAME)).toBe('v2');
  });

  it('Immutable undoing the deploy itself is detected as a failure, and the old version is gated', async () => {
    const immutable = { deploymentPolicy: 'Immutable' } as const;
    await createEnvironmentReady(h, { app: 'imm', env: 'imm-dev', label: 'v1', appOptions: immutable });
    const r = await runEntry('deploy', {
      inputs: {
        'application-name': 'imm',
        'environment-name': 'imm-dev',
        bundle: await bundle('imm', { version: 'v2', mode: 'unhealthy', ...immutable }),
        'version-label': 'v2',
        'deploy-timeout': '1m',
      },
      env: h.emulator.env,
    });
    expect(r.code).toBe(1);
    expect(r.errors.at(-1)).toMatch(/deploy of "v2" failed before it went live: Elastic Beanstalk finished the update on "v1" instead of "v2" \(it rolled the deploy back itself or the deployment failed\): .*temporary auto scaling group.*"v1" is running and healthy again/);
    expect(r.stdout).toMatch(/"imm-dev" is already back on "v1"; gating it/);
    // v2 never served from the environment's instances: aborted, not rolled back from live.
    expect(r.outputs).toMatchObject({ 'rolled-back': 'true', outcome: 'aborted', 'went-live': 'false' });
    expect(await servedVersion((await describeEnv(h.eb, 'imm-dev')).CNAME)).toBe('v1');
  });

  it('health URL naming the wrong version → failure and rollback', async () => {
    await createEnvironmentReady(h, { app: 'url', env: 'url-dev', label: 'v1' });
    const r = await runEntry('deploy', {
      inputs: {
        'application-name': 'url',
        'environment-name': 'url-dev',
        bundle: await bundle('url', { version: 'v2' }),
        'version-label': 'v2',
        'health-url': staleUrl,
        'health-url-expect-version': 'true',
        // Not Severe (EB is Green on v2), only short of healthy: settle-timeout decides.
        'settle-timeout': '10s',
        'deploy-timeout': '40s',
      },
      env: h.emulator.env,
    });
    expect(r.code).toBe(1);
    expect(r.errors.at(-1)).toMatch(/deploy of "v2" failed: still failing 1\d s after the update finished \(settle-timeout\): health URL does not name "v2": \{"version":"v1"\}.*Rolled back to "v1"/);
    expect(r.outputs).toMatchObject({ 'rolled-back': 'true', outcome: 'rolled-back', 'went-live': 'true' });
    expect(await servedVersion((await describeEnv(h.eb, 'url-dev')).CNAME)).toBe('v1');
  });
});
