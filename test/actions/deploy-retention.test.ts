// Near the account's version quota: warn, and with keep-versions prune the oldest — never the
// version running, never the rollback target — and delete their S3 bundles when asked.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeApplicationVersionsCommand } from '@aws-sdk/client-elastic-beanstalk';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, useEmulator } from '../support/emulator.js';
import { writeTestAppBundle } from '../support/test-app.js';
import { runEntry, servedVersion } from './run-entry.js';

const h = useEmulator({ versionQuota: 6 });
const tmp = await mkdtemp(join(tmpdir(), 'retention-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function exists(bucket: string, key: string): Promise<boolean> {
  return h.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, () => false);
}

describe('deploy action: quota and retention', () => {
  it('warns near the quota, prunes to keep-versions, keeps the running version and the rollback target', async () => {
    await createEnvironmentReady(h, { app: 'ret', env: 'ret-dev', label: 'v0' });
    const old: { bucket: string; key: string }[] = [];
    for (const label of ['v1', 'v2', 'v3', 'v4']) old.push(await createTestVersion(h, 'ret', label));
    // 5 of 6 versions used: at 90 % of the quota. v0 runs; v1..v4 are older than the new one.
    const dir = join(tmp, 'v5');
    await writeTestAppBundle(dir, { version: 'v5' });
    const r = await runEntry('deploy', {
      inputs: { 'application-name': 'ret', 'environment-name': 'ret-dev', bundle: dir, 'version-label': 'v5', 'keep-versions': '2', 'delete-source-bundles': 'true', 'deploy-timeout': '40s' },
      env: h.emulator.env,
    });
    expect(r.errors, r.stdout).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.warnings).toContain('5 of 6 application versions are used in this region; pruning');
    const labels = (await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'ret' }))).ApplicationVersions?.map((v) => v.VersionLabel).sort();
    // Newest two (v5, v4) kept, v0 is the rollback target (and ran until now): v1..v3 deleted.
    expect(labels).toEqual(['v0', 'v4', 'v5']);
    expect(await exists(old[0]!.bucket, old[0]!.key)).toBe(false);
    expect(await exists(old[3]!.bucket, old[3]!.key)).toBe(true);
    expect(await servedVersion((await describeEnv(h.eb, 'ret-dev')).CNAME)).toBe('v5');
  });
});
