// The suite's own IAM policies, enforced by the emulator: docs/iam-policy.json (the engine's calls)
// plus docs/iam-policy-eb-service-calls.json (what EB does with the caller's permissions behind
// UpdateEnvironment) run deploy → gate → automatic rollback → rollback action → prune through the
// action entries; without any single statement of either, a named call fails with AccessDenied.
import { readFileSync } from 'node:fs';
import { DescribeApplicationVersionsCommand, DescribeEventsCommand } from '@aws-sdk/client-elastic-beanstalk';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AccessKeyOptions } from '../../src/emulator/index.js';
import { wildcard } from '../../src/emulator/auth/policy.js';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { loadTemplate, rolePolicyDocuments, TEST_STACK } from '../infra/cloudformation.js';
import { createEnvironmentReady, describeEnv, releaseMarks, useEmulator } from '../support/emulator.js';
import { deployInputs, runEntry, servedVersion, useBundleDir, type EntryResult } from './run-entry.js';

interface Doc {
  Version: string;
  Statement: { Sid: string; Action: string | string[] }[];
}
const ENGINE = JSON.parse(readFileSync('docs/iam-policy.json', 'utf8')) as Doc;
// Its PassRole placeholders filled in as a user would: the roles iam-dev runs with (test/support/emulator.ts)
// in the emulator's account.
const SERVICE = JSON.parse(
  readFileSync('docs/iam-policy-eb-service-calls.json', 'utf8')
    .replaceAll('ACCOUNT_ID', '123456789012')
    .replace('INSTANCE_ROLE_NAME', 'eb-pipeline-instance-profile')
    .replace('SERVICE_ROLE_NAME', 'eb-pipeline-service-role'),
) as Doc;
const without = (doc: Doc, sid: string): Doc => ({ ...doc, Statement: doc.Statement.filter((s) => s.Sid !== sid) });
const REMOVALS = [...ENGINE.Statement.map((s) => ({ doc: 'engine', sid: s.Sid })), ...SERVICE.Statement.map((s) => ({ doc: 'service', sid: s.Sid }))];

const keyOf = (name: string): AccessKeyOptions & { userName: string } => ({
  accessKeyId: `AKIA${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}`.slice(0, 40),
  secretAccessKey: `secret-${name}`,
  userName: name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64),
});
const DEPLOYER = { ...keyOf('deployer'), policies: [ENGINE, SERVICE] };
// An engine statement's actions go from the second document too (its ElasticBeanstalkOwnBucket also
// grants s3:ListBucket on EB's bucket): the test is that the engine's calls need them.
const withoutActions = (doc: Doc, removed: Doc['Statement'][number]): Doc => {
  const gone = new Set([removed.Action].flat());
  const Statement = doc.Statement.map((s) => ({ ...s, Action: [s.Action].flat().filter((a) => !gone.has(a)) })).filter((s) => s.Action.length > 0);
  return { ...doc, Statement };
};
const REMOVED = REMOVALS.map((r) => ({
  ...keyOf(`without-${r.sid}`),
  policies: r.doc === 'engine' ? [without(ENGINE, r.sid), withoutActions(SERVICE, ENGINE.Statement.find((s) => s.Sid === r.sid)!)] : [ENGINE, without(SERVICE, r.sid)],
}));

// infra/eb-pipeline.yml's per-environment roles, resolved for application "shop" in this account.
const template = loadTemplate();
const TEMPLATE_DEV = { ...keyOf('shop-github-dev'), policies: rolePolicyDocuments(template, 'DevDeployRole', TEST_STACK) };
const TEMPLATE_PRODUCTION = { ...keyOf('shop-github-production'), policies: rolePolicyDocuments(template, 'ProductionDeployRole', TEST_STACK) };

// test/test (no policy) sets the stage as an administrator would; the deploys run as the policy's user.
const h = useEmulator({ credentials: [{ accessKeyId: 'test', secretAccessKey: 'test' }, DEPLOYER, TEMPLATE_DEV, TEMPLATE_PRODUCTION, ...REMOVED] });
const bundle = useBundleDir('iam');
const as = (key: AccessKeyOptions): Record<string, string> => ({ ...h.emulator.env, AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey });
const output = (r: EntryResult): string => [...r.errors, ...r.warnings, r.stdout].join('\n');

describe('the suite\'s IAM policies, enforced', () => {
  beforeAll(() => createEnvironmentReady(h, { app: 'iam', env: 'iam-dev', label: 'v0' }));

  it('docs/iam-policy.json + docs/iam-policy-eb-service-calls.json run deploy, gate, rollback and prune', async () => {
    const deploy = async (label: string, mode?: 'unhealthy'): Promise<EntryResult> =>
      runEntry('deploy', { inputs: { ...deployInputs('iam', 'iam-dev', await bundle(label, { version: label, ...(mode ? { mode } : {}) })), 'version-label': label }, env: as(DEPLOYER) });

    const v1 = await deploy('v1');
    expect(v1.errors, v1.stdout).toEqual([]);
    expect(v1.warnings).toEqual([]);
    const v2 = await deploy('v2', 'unhealthy');
    expect(v2.code).toBe(1);
    expect(v2.outputs['rolled-back']).toBe('true');
    expect(await servedVersion((await describeEnv(h.eb, 'iam-dev')).CNAME)).toBe('v1');
    const v3 = await deploy('v3');
    expect(v3.errors, v3.stdout).toEqual([]);
    const back = await runEntry('rollback', { inputs: { 'application-name': 'iam', 'environment-name': 'iam-dev', 'ready-timeout': '1m', 'deploy-timeout': '40s' }, env: as(DEPLOYER) });
    expect(back.errors, back.stdout).toEqual([]);
    expect(await servedVersion((await describeEnv(h.eb, 'iam-dev')).CNAME)).toBe('v1');
    expect(await releaseMarks(h.eb, 'iam', 'iam-dev')).toMatchObject({ v1: 'verified', v2: 'failed', v3: 'verified' });
    const prune = await runEntry('prune-versions', { inputs: { 'application-name': 'iam', 'keep-versions': '1', 'delete-source-bundles': 'true' }, env: as(DEPLOYER) });
    expect(prune.errors, prune.stdout).toEqual([]);
    const left = (await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'iam' }))).ApplicationVersions?.map((v) => v.VersionLabel).sort();
    expect(left).not.toContain('v0');
    expect(left).toContain('v1');
    // Five deploys and a prune: 60 s on a loaded machine (load 18), hence 120 s.
  }, 120_000);

  it.each(REMOVALS)('without $doc statement $sid, a call the statement grants fails with AccessDenied', async ({ doc, sid }) => {
    const key = REMOVED[REMOVALS.findIndex((r) => r.sid === sid && r.doc === doc)]!;
    const statement = (doc === 'engine' ? ENGINE : SERVICE).Statement.find((s) => s.Sid === sid)!;
    const actions = [statement.Action].flat();
    const label = `rm-${sid}`.slice(0, 40);
    const before = (await describeEnv(h.eb, 'iam-dev')).VersionLabel;
    const r = await runEntry('deploy', { inputs: { ...deployInputs('iam', 'iam-dev', await bundle(label, { version: label })), 'version-label': label }, env: as(key) });
    const text = output(r);
    // The refusal, in EB's words (an error, a warning — the release record is best-effort — or an ERROR
    // event) or the preflight's: the lines that say so name the permission.
    const refusals = text.split('\n').filter((l) => /AccessDenied|not authorized to perform|missing permission|refused \(403/.test(l));
    const named = refusals.flatMap((l) => [...l.matchAll(/\b([a-z0-9-]+:[A-Z][A-Za-z0-9]+)\b/g)].map((m) => m[1] ?? ''));
    expect(r.code === 1 || r.warnings.length > 0, text).toBe(true);
    expect(named.some((a) => actions.some((p) => wildcard(p, a, true))), `${sid}: ${named.join(', ')}\n${text}`).toBe(true);
    if (doc === 'service') {
      // EB accepted the call and then failed: an ERROR event, the environment Ready, the old version.
      const events = (await h.eb.send(new DescribeEventsCommand({ EnvironmentName: 'iam-dev', Severity: 'ERROR', MaxRecords: 5 }))).Events ?? [];
      expect(events.map((e) => e.Message).join('\n')).toMatch(new RegExp(`User: arn:aws:iam::123456789012:user/${key.userName} is not authorized`));
      const env = await describeEnv(h.eb, 'iam-dev');
      expect([env.Status, env.VersionLabel]).toEqual(['Ready', before]);
    }
  });

  it('infra/eb-pipeline.yml\'s dev role deploys to shop-dev through its bundle bucket, and cannot update shop-production; the production role promotes what dev verified', async () => {
    // Each environment with its own instance profile, as the template makes them.
    const roles = (env: string) => [
      { Namespace: 'aws:autoscaling:launchconfiguration', OptionName: 'IamInstanceProfile', Value: `shop-${env}-eb-instance` },
      { Namespace: 'aws:elasticbeanstalk:environment', OptionName: 'ServiceRole', Value: TEST_STACK['ServiceRole.Arn'] },
    ];
    await createEnvironmentReady(h, { app: 'shop', env: 'shop-dev', label: 's0', optionSettings: roles('dev') });
    await createEnvironmentReady(h, { app: 'shop', env: 'shop-production', label: 's0p', optionSettings: roles('production') });
    const bucket = TEST_STACK['BundlesBucket.Arn']!.replace('arn:aws:s3:::', '');
    await h.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const deploy = async (env: string, label: string): Promise<EntryResult> =>
      runEntry('deploy', { inputs: { ...deployInputs('shop', env, await bundle(label, { version: label })), 'version-label': label, bucket }, env: as(TEMPLATE_DEV) });

    const dev = await deploy('shop-dev', 's1');
    expect(dev.errors, dev.stdout).toEqual([]);
    expect(dev.warnings).toEqual([]);
    expect(await servedVersion((await describeEnv(h.eb, 'shop-dev')).CNAME)).toBe('s1');
    const prod = await deploy('shop-production', 's2');
    expect(prod.code).toBe(1);
    expect(output(prod)).toMatch(/not authorized to perform: elasticbeanstalk:UpdateEnvironment on resource: arn:aws:elasticbeanstalk:us-east-1:123456789012:environment\/shop\/shop-production/);
    expect((await describeEnv(h.eb, 'shop-production')).VersionLabel).toBe('s0p');

    // The production role promotes what dev verified (deploy-version, as deploy-production runs it).
    const promote = await runEntry('deploy-version', {
      inputs: { 'application-name': 'shop', 'environment-name': 'shop-production', 'promote-from-environment': 'shop-dev', 'version-label': 's1', 'deploy-timeout': '40s', 'ready-timeout': '1m' },
      env: as(TEMPLATE_PRODUCTION),
    });
    expect(promote.errors, promote.stdout).toEqual([]);
    expect(promote.warnings).toEqual([]);
    expect(await servedVersion((await describeEnv(h.eb, 'shop-production')).CNAME)).toBe('s1');
    expect(await releaseMarks(h.eb, 'shop', 'shop-production')).toMatchObject({ s1: 'verified' });
  }, 120_000);
});
