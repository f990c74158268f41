// A Rolling deploy whose first batch fails: EB stops, VersionLabel stays v1, but that batch's
// instance runs the broken v2. The rollback must redeploy v1 (not trust VersionLabel) and must not
// count the failed deploy's ERROR events against the rollback.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesHealthCommand } from '@aws-sdk/client-elastic-beanstalk';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, useEmulator } from '../support/emulator.js';
import { writeTestAppBundle } from '../support/test-app.js';
import { runEntry, servedVersion } from './run-entry.js';

const h = useEmulator();
const tmp = await mkdtemp(join(tmpdir(), 'rolling-failure-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('deploy action: Rolling batch failure', () => {
  it('fails on the ERROR, redeploys v1 on every instance, reports rolled back', async () => {
    const rolling = { deploymentPolicy: 'Rolling', batchSize: 1, instances: 2 } as const;
    await createEnvironmentReady(h, { app: 'rollfail', env: 'rollfail-dev', label: 'v1', appOptions: rolling });
    const dir = join(tmp, 'v2');
    await writeTestAppBundle(dir, { version: 'v2', mode: 'unhealthy', ...rolling });
    const r = await runEntry('deploy', {
      inputs: { 'application-name': 'rollfail', 'environment-name': 'rollfail-dev', bundle: dir, 'version-label': 'v2', 'deploy-timeout': '1m' },
      env: h.emulator.env,
    });
    expect(r.code).toBe(1);
    expect(r.errors.at(-1)).toMatch(/deploy of "v2" failed before it went live: Elastic Beanstalk finished the update on "v1" instead of "v2".*Batch 1: instance\(s\) \[i-[0-9a-f]+\] (failed health checks|did not pass).*"v1" is running and healthy again/);
    expect(r.stdout).not.toMatch(/already back on "v1"/);
    // EB never finished the update on v2 (its first batch failed): aborted, v1 redeployed on every instance.
    expect(r.outputs).toMatchObject({ 'rolled-back': 'true', outcome: 'aborted', 'went-live': 'false' });
    const health = await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: 'rollfail-dev', AttributeNames: ['Deployment'] }));
    expect(health.InstanceHealthList?.map((i) => i.Deployment?.VersionLabel)).toEqual(['v1', 'v1']);
    expect(await servedVersion((await describeEnv(h.eb, 'rollfail-dev')).CNAME)).toBe('v1');
  });
});
