// Preflight: the deploy's read-only checks, through the deploy action's entry and the CLI against
// the emulator. A set-up that lacks something fails naming it, and nothing changes in AWS: no
// object uploaded, no version created, the environment still on what it ran.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateApplicationCommand, CreateEnvironmentCommand, CreateStorageLocationCommand, DescribeApplicationVersionsCommand } from '@aws-sdk/client-elastic-beanstalk';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, useEmulator, waitFor } from '../support/emulator.js';
import { deployInputs, runEntry, servedVersion, useBundleDir } from './run-entry.js';

const h = useEmulator();
const bundle = useBundleDir('preflight');

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entries/cli.ts', ...args], { env: { ...process.env, ...h.emulator.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

/** Nothing changed: the application has exactly `labels`, no bundle was uploaded under the key prefix, the environment serves `serving`. */
async function expectUnchanged(app: string, env: string, labels: string[], serving: string): Promise<void> {
  const versions = await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: app }));
  expect(versions.ApplicationVersions?.map((v) => v.VersionLabel).sort()).toEqual(labels);
  const { S3Bucket: bucket } = await h.eb.send(new CreateStorageLocationCommand({}));
  const objects = await h.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `eb-pipeline/${app}/` }));
  expect(objects.KeyCount ?? 0).toBe(0);
  expect(await servedVersion((await describeEnv(h.eb, env)).CNAME)).toBe(serving);
}

describe('preflight', () => {
  it('passes on a complete set-up, lists what only trying can prove, and changes nothing (CLI)', async () => {
    await createEnvironmentReady(h, { app: 'pf-ok', env: 'pf-ok-dev', label: 'v1' });
    const r = await cli(['preflight', '-a', 'pf-ok', '-e', 'pf-ok-dev']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const check of ['application', 'environment', 'platform', 'enhanced health', 'instance profile', 'service role', 'rollback target', 'bucket'])
      expect(r.stdout).toMatch(new RegExp(`^ok {4}${check}: `, 'm'));
    expect(r.stdout).toMatch(/rollback target: "v1" .*no verified-release record yet/);
    expect(r.stdout).toMatch(/a missing key answers 404 \(s3:ListBucket granted\)/);
    expect(r.stdout).toMatch(/not provable without trying[\s\S]*iam:PassRole/);
    expect(r.stdout).toMatch(/preflight passed: nothing was changed/);
    await expectUnchanged('pf-ok', 'pf-ok-dev', ['v1'], 'v1');
  });

  it('an environment without its instance profile and service role: the deploy fails naming both, before any upload', async () => {
    await createEnvironmentReady(h, { app: 'pf-roles', env: 'pf-roles-seed', label: 'v1' });
    await h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'pf-roles', EnvironmentName: 'pf-roles-dev', VersionLabel: 'v1' }));
    await waitFor('pf-roles-dev Green', () => describeEnv(h.eb, 'pf-roles-dev'), (e) => e.Status === 'Ready' && e.Health === 'Green');
    const r = await runEntry('deploy', { inputs: { ...deployInputs('pf-roles', 'pf-roles-dev', await bundle('roles', { version: 'v2' })), 'version-label': 'v2' }, env: h.emulator.env });
    expect(r.code).toBe(1);
    expect(r.errors.at(-1)).toMatch(/^preflight failed, nothing was changed: instance profile: no instance profile \(aws:autoscaling:launchconfiguration IamInstanceProfile\) on "pf-roles-dev".*; service role: no service role \(aws:elasticbeanstalk:environment ServiceRole\)/);
    expect(r.errors.at(-1)).toMatch(/docs\/aws-setup\.md/);
    expect(r.stdout).not.toMatch(/uploading/);
    await expectUnchanged('pf-roles', 'pf-roles-dev', ['v1'], 'v1');

    // preflight: false skips the checks (the operator's explicit choice): the deploy goes through.
    const skipped = await runEntry('deploy', { inputs: { ...deployInputs('pf-roles', 'pf-roles-dev', await bundle('roles2', { version: 'v2' })), 'version-label': 'v2', preflight: 'false' }, env: h.emulator.env });
    expect(skipped.errors, skipped.stdout).toEqual([]);
    expect(await servedVersion((await describeEnv(h.eb, 'pf-roles-dev')).CNAME)).toBe('v2');
  });

  it('basic health, a missing bucket, a Docker bundle for a non-Docker platform: each named, nothing changed', async () => {
    await createEnvironmentReady(h, {
      app: 'pf-misc', env: 'pf-misc-dev', label: 'v1',
      optionSettings: [{ Namespace: 'aws:elasticbeanstalk:healthreporting:system', OptionName: 'SystemType', Value: 'basic' }],
    });
    const dir = await bundle('docker', { version: 'v2' });
    await writeFile(join(dir, 'Dockerrun.aws.json'), JSON.stringify({ AWSEBDockerrunVersion: '1', Image: { Name: '127.0.0.1:5000/app@sha256:' + '0'.repeat(64) }, Ports: [{ ContainerPort: 7999 }] }));
    const r = await runEntry('deploy', { inputs: { ...deployInputs('pf-misc', 'pf-misc-dev', dir), bucket: 'no-such-bucket-pf', 'version-label': 'v2' }, env: h.emulator.env });
    expect(r.code).toBe(1);
    const message = r.errors.at(-1) ?? '';
    expect(message).toMatch(/platform: the bundle is a Docker bundle \(Dockerrun\.aws\.json\) but "pf-misc-dev" runs 64bit Amazon Linux 2023 .* Node\.js/);
    expect(message).toMatch(/enhanced health: enhanced health reporting is off on "pf-misc-dev": set aws:elasticbeanstalk:healthreporting:system SystemType=enhanced/);
    expect(message).toMatch(/bucket: bucket "no-such-bucket-pf" does not exist/);
    await expectUnchanged('pf-misc', 'pf-misc-dev', ['v1'], 'v1');
  });

  it('a missing application or environment: named, exit 1 (CLI)', async () => {
    await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'pf-empty' }));
    const noApp = await cli(['preflight', '-a', 'pf-nothing', '-e', 'pf-nothing-dev']);
    expect(noApp.code).toBe(1);
    expect(noApp.stdout).toMatch(/^FAIL {2}application: application "pf-nothing" does not exist in us-east-1/m);
    expect(noApp.stdout).toMatch(/^FAIL {2}environment: environment "pf-nothing-dev" does not exist/m);
    const noEnv = await cli(['preflight', '-a', 'pf-empty', '-e', 'pf-empty-dev']);
    expect(noEnv.code).toBe(1);
    expect(noEnv.stdout).toMatch(/^ok {4}application: "pf-empty" exists/m);
    expect(noEnv.stdout).toMatch(/^FAIL {2}environment: /m);
    expect(noEnv.stdout).toMatch(/preflight FAILED: nothing was changed/);
    // Usage errors are still exit 2 before any call.
    expect((await cli(['preflight', '-a', 'pf-empty'])).code).toBe(2);
  });
});
