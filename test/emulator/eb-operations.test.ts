// The operations a deploy pipeline uses beyond deploying: DescribeConfigurationSettings,
// RestartAppServer, SwapEnvironmentCNAMEs (blue/green), application version lifecycle, and the S3
// bucket reads (versioning, ACL) — through the SDK.
import {
  DeleteApplicationCommand, DescribeEnvironmentResourcesCommand, DescribeInstancesHealthCommand, RebuildEnvironmentCommand, UpdateApplicationCommand, UpdateApplicationVersionCommand, ValidateConfigurationSettingsCommand,
  CreateApplicationCommand, CreateApplicationVersionCommand, CreateEnvironmentCommand, DescribeEnvironmentsCommand, ListTagsForResourceCommand, UpdateEnvironmentCommand, DescribeApplicationsCommand, DescribeApplicationVersionsCommand, DescribeConfigurationSettingsCommand, DescribeEventsCommand,
  RestartAppServerCommand, SwapEnvironmentCNAMEsCommand, UpdateApplicationResourceLifecycleCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import { GetBucketAclCommand, GetBucketVersioningCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, useEmulator, waitFor } from '../support/emulator.js';

const h = useEmulator({ timeScale: 0.01 });

async function servedVersion(cname: string | undefined): Promise<string | undefined> {
  const res = await fetch(`http://${cname ?? ''}/`);
  return res.status === 200 ? ((await res.json()) as { version?: string }).version : undefined;
}

async function pids(env: string): Promise<number[]> {
  const state = (await (await fetch(`${h.emulator.ebEndpoint}/_emulator/state`)).json()) as { environments: { name: string; status: string; instances: { pid?: number }[] }[] };
  return state.environments.filter((e) => e.name === env && e.status !== 'Terminated').flatMap((e) => e.instances.map((i) => i.pid ?? 0));
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).name;
  }
  throw new Error('expected the call to fail');
}

describe('environment operations', () => {
  it('DescribeConfigurationSettings: defaults, then the bundle’s .ebextensions, then the API’s settings', async () => {
    await createEnvironmentReady(h, {
      app: 'ops', env: 'ops-blue', label: 'v1',
      optionSettings: [{ Namespace: 'aws:elasticbeanstalk:command', OptionName: 'DeploymentPolicy', Value: 'Rolling' }],
    });
    const out = await h.eb.send(new DescribeConfigurationSettingsCommand({ ApplicationName: 'ops', EnvironmentName: 'ops-blue' }));
    const config = out.ConfigurationSettings?.[0];
    expect(config).toMatchObject({ ApplicationName: 'ops', EnvironmentName: 'ops-blue', DeploymentStatus: 'deployed' });
    const value = (ns: string, name: string) => config?.OptionSettings?.find((s) => s.Namespace === ns && s.OptionName === name)?.Value;
    expect(value('aws:elasticbeanstalk:command', 'DeploymentPolicy')).toBe('Rolling'); // the API's
    expect(value('aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath')).toBe('/healthz'); // the bundle's
    expect(value('aws:elasticbeanstalk:application:environment', 'APP_VERSION')).toBe('v1'); // the bundle's
    expect(value('aws:autoscaling:asg', 'MinSize')).toBe('1'); // EB's default
    expect(await failure(h.eb.send(new DescribeConfigurationSettingsCommand({ ApplicationName: 'ops', TemplateName: 'nope' })))).toBe('InvalidParameterValue');
    expect(await failure(h.eb.send(new DescribeConfigurationSettingsCommand({ ApplicationName: 'ops', EnvironmentName: 'ops-none' })))).toBe('InvalidParameterValue');
  });

  it('RestartAppServer restarts every instance’s process, Updating meanwhile, then Ready and Green again', async () => {
    const before = await pids('ops-blue');
    const out = await h.eb.send(new RestartAppServerCommand({ EnvironmentName: 'ops-blue' }));
    expect(await failure(h.eb.send(new RestartAppServerCommand({ EnvironmentName: 'ops-blue' })))).toBe('InvalidParameterValue'); // not Ready
    const env = await waitFor('restarted', () => describeEnv(h.eb, 'ops-blue'), (e) => e.Status === 'Ready' && e.Health === 'Green');
    const after = await pids('ops-blue');
    expect(after).toHaveLength(before.length);
    expect(after.some((p) => before.includes(p))).toBe(false);
    expect(await servedVersion(env.CNAME)).toBe('v1');
    const events = ((await h.eb.send(new DescribeEventsCommand({ RequestId: out.$metadata.requestId }))).Events ?? []).map((e) => e.Message).reverse();
    expect(events).toEqual(['restartAppServer is starting.', 'restartAppServer completed successfully.']);
  });

  it('RebuildEnvironment replaces every instance with a new one running the same version', async () => {
    const instanceIds = async () => ((await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: 'ops-blue' }))).InstanceHealthList ?? []).map((i) => i.InstanceId);
    const before = await instanceIds();
    const out = await h.eb.send(new RebuildEnvironmentCommand({ EnvironmentName: 'ops-blue' }));
    const env = await waitFor('rebuilt', () => describeEnv(h.eb, 'ops-blue'), (e) => e.Status === 'Ready' && e.Health === 'Green');
    const after = await instanceIds();
    expect(after).toHaveLength(before.length);
    expect(after.some((id) => before.includes(id))).toBe(false);
    expect(await servedVersion(env.CNAME)).toBe('v1');
    const events = ((await h.eb.send(new DescribeEventsCommand({ RequestId: out.$metadata.requestId }))).Events ?? []).map((e) => e.Message).reverse();
    expect(events).toEqual(['rebuildEnvironment is starting.', 'rebuildEnvironment completed successfully.']);
  });

  it('SwapEnvironmentCNAMEs moves each URL to the other environment', async () => {
    const green = await createEnvironmentReady(h, { app: 'ops', env: 'ops-green', label: 'v2' });
    const blue = await describeEnv(h.eb, 'ops-blue');
    expect([await servedVersion(blue.CNAME), await servedVersion(green.CNAME)]).toEqual(['v1', 'v2']);
    await h.eb.send(new SwapEnvironmentCNAMEsCommand({ SourceEnvironmentName: 'ops-blue', DestinationEnvironmentName: 'ops-green' }));
    const [blueAfter, greenAfter] = [await describeEnv(h.eb, 'ops-blue'), await describeEnv(h.eb, 'ops-green')];
    expect([blueAfter.CNAME, greenAfter.CNAME]).toEqual([green.CNAME, blue.CNAME]);
    // The production URL (blue's before) now serves green's version.
    expect(await servedVersion(blue.CNAME)).toBe('v2');
    expect(await servedVersion(green.CNAME)).toBe('v1');
    expect(await failure(h.eb.send(new SwapEnvironmentCNAMEsCommand({ SourceEnvironmentName: 'ops-blue' })))).toBe('MissingParameter');
    expect(await failure(h.eb.send(new SwapEnvironmentCNAMEsCommand({ SourceEnvironmentName: 'ops-blue', DestinationEnvironmentName: 'ops-blue' })))).toBe('InvalidParameterValue');
    expect(await failure(h.eb.send(new SwapEnvironmentCNAMEsCommand({ SourceEnvironmentName: 'ops-blue', DestinationEnvironmentName: 'ops-gone' })))).toBe('InvalidParameterValue');
  });
});

describe('application housekeeping, configuration checks and resources', () => {
  it('UpdateApplication / UpdateApplicationVersion change descriptions; DeleteApplication refuses running environments unless forced', async () => {
    const updated = await h.eb.send(new UpdateApplicationCommand({ ApplicationName: 'ops', Description: 'the shop' }));
    expect(updated.Application?.Description).toBe('the shop');
    const version = await h.eb.send(new UpdateApplicationVersionCommand({ ApplicationName: 'ops', VersionLabel: 'v1', Description: 'first' }));
    expect(version.ApplicationVersion?.Description).toBe('first');
    await createEnvironmentReady(h, { app: 'doomed', env: 'doomed-dev', label: 'd1' });
    expect(await failure(h.eb.send(new DeleteApplicationCommand({ ApplicationName: 'doomed' })))).toBe('InvalidParameterValue');
    await h.eb.send(new DeleteApplicationCommand({ ApplicationName: 'doomed', TerminateEnvByForce: true }));
    expect((await h.eb.send(new DescribeApplicationsCommand({ ApplicationNames: ['doomed'] }))).Applications).toEqual([]);
    expect((await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'doomed' }))).ApplicationVersions).toEqual([]);
    await waitFor('doomed-dev terminated', async () => (await h.eb.send(new DescribeEnvironmentsCommand({ EnvironmentNames: ['doomed-dev'] }))).Environments?.[0]?.Status, (s) => s === 'Terminated');
  });

  it('ValidateConfigurationSettings reports each bad setting; DescribeEnvironmentResources names the instances', async () => {
    const out = await h.eb.send(new ValidateConfigurationSettingsCommand({
      ApplicationName: 'ops', EnvironmentName: 'ops-blue',
      OptionSettings: [
        { Namespace: 'aws:elasticbeanstalk:command', OptionName: 'Timeout', Value: '900' },
        { Namespace: 'aws:elasticbeanstalk:command', OptionName: 'BatchSize', Value: 'lots' },
        { Namespace: 'aws:nope', OptionName: 'X', Value: '1' },
      ],
    }));
    expect(out.Messages?.map((m) => [m.Severity, m.Namespace, m.OptionName])).toEqual([['error', 'aws:elasticbeanstalk:command', 'BatchSize'], ['error', 'aws:nope', 'X']]);
    expect(out.Messages?.[1]?.Message).toContain('Unknown configuration setting.');
    const resources = (await h.eb.send(new DescribeEnvironmentResourcesCommand({ EnvironmentName: 'ops-blue' }))).EnvironmentResources;
    const env = await describeEnv(h.eb, 'ops-blue');
    expect(resources?.LoadBalancers).toEqual([{ Name: `awseb-${env.EnvironmentId ?? ''}` }]);
    expect(resources?.Instances?.length).toBeGreaterThan(0);
    expect(resources?.Instances?.[0]?.Id).toMatch(/^i-/);
  });
});

describe('tags at creation and OptionsToRemove', () => {
  it('keeps the Tags given to CreateApplication/CreateApplicationVersion/CreateEnvironment, refusing bad ones before creating anything', async () => {
    const created = await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'tagged', Tags: [{ Key: 'team', Value: 'web' }] }));
    const tagsOf = async (arn: string | undefined) => (await h.eb.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).ResourceTags;
    expect(await tagsOf(created.Application?.ApplicationArn)).toEqual([{ Key: 'team', Value: 'web' }]);
    const version = await h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'tagged', VersionLabel: 't1', Tags: [{ Key: 'commit', Value: 'abc123' }] }));
    expect(await tagsOf(version.ApplicationVersion?.ApplicationVersionArn)).toEqual([{ Key: 'commit', Value: 'abc123' }]);
    const env = await h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'tagged', EnvironmentName: 'tagged-dev', VersionLabel: 't1', Tags: [{ Key: 'stage', Value: 'dev' }] }));
    expect(await tagsOf(env.EnvironmentArn)).toContainEqual({ Key: 'stage', Value: 'dev' });
    const many = Array.from({ length: 48 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })); // + EB's 3 system tags = 51
    expect(await failure(h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'tagged', EnvironmentName: 'tagged-many', Tags: many })))).toBe('TooManyTagsException');
    expect(await failure(h.eb.send(new CreateApplicationCommand({ ApplicationName: 'tagged-bad', Tags: [{ Key: 'aws:reserved', Value: 'x' }] })))).toBe('InvalidParameterValue');
    const apps = (await h.eb.send(new DescribeApplicationsCommand({}))).Applications ?? [];
    expect(apps.map((a) => a.ApplicationName)).not.toContain('tagged-bad');
  });

  it('OptionsToRemove takes an API setting away again: the bundle’s value or EB’s default applies', async () => {
    await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'ops-green', OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:command', OptionName: 'DeploymentPolicy', Value: 'Immutable' }] }));
    await waitFor('ops-green Ready', () => describeEnv(h.eb, 'ops-green'), (e) => e.Status === 'Ready');
    const policy = async () => (await h.eb.send(new DescribeConfigurationSettingsCommand({ ApplicationName: 'ops', EnvironmentName: 'ops-green' }))).ConfigurationSettings?.[0]?.OptionSettings
      ?.find((o) => o.Namespace === 'aws:elasticbeanstalk:command' && o.OptionName === 'DeploymentPolicy')?.Value;
    expect(await policy()).toBe('Immutable');
    await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'ops-green', OptionsToRemove: [{ Namespace: 'aws:elasticbeanstalk:command', OptionName: 'DeploymentPolicy' }] }));
    await waitFor('ops-green Ready', () => describeEnv(h.eb, 'ops-green'), (e) => e.Status === 'Ready');
    expect(await policy()).toBe('AllAtOnce');
    expect(await failure(h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'ops-green', OptionsToRemove: [{ Namespace: 'aws:nope', OptionName: 'X' }] })))).toBe('InvalidParameterValue');
  });
});

describe('application version lifecycle', () => {
  it('keeps MaxCount versions, never one in use, deleting their bundles from S3; DescribeApplications shows the rule', async () => {
    await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'life' }));
    const defaults = (await h.eb.send(new DescribeApplicationsCommand({ ApplicationNames: ['life'] }))).Applications?.[0]?.ResourceLifecycleConfig;
    expect(defaults?.VersionLifecycleConfig?.MaxCountRule).toMatchObject({ Enabled: false });
    await createEnvironmentReady(h, { app: 'life', env: 'life-dev', label: 'l1' });
    const l2 = await createTestVersion(h, 'life', 'l2');
    const set = await h.eb.send(new UpdateApplicationResourceLifecycleCommand({
      ApplicationName: 'life',
      ResourceLifecycleConfig: { ServiceRole: 'arn:aws:iam::123456789012:role/aws-elasticbeanstalk-service-role', VersionLifecycleConfig: { MaxCountRule: { Enabled: true, MaxCount: 2, DeleteSourceFromS3: true } } },
    }));
    expect(set).toMatchObject({ ApplicationName: 'life', ResourceLifecycleConfig: { VersionLifecycleConfig: { MaxCountRule: { Enabled: true, MaxCount: 2, DeleteSourceFromS3: true } } } });
    await createTestVersion(h, 'life', 'l3');
    await createTestVersion(h, 'life', 'l4');
    const labels = ((await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'life' }))).ApplicationVersions ?? []).map((v) => v.VersionLabel).sort();
    expect(labels).toEqual(['l1', 'l3', 'l4']); // l1 runs on life-dev: kept although the oldest
    const gone = await h.s3.send(new HeadObjectCommand({ Bucket: l2.bucket, Key: l2.key })).catch((err: Error) => err);
    expect((gone as Error).name).toBe('NotFound');
    const app = (await h.eb.send(new DescribeApplicationsCommand({ ApplicationNames: ['life'] }))).Applications?.[0];
    expect(app?.ResourceLifecycleConfig?.VersionLifecycleConfig?.MaxCountRule?.MaxCount).toBe(2);
    expect(await failure(h.eb.send(new UpdateApplicationResourceLifecycleCommand({ ApplicationName: 'nope', ResourceLifecycleConfig: { ServiceRole: 'r' } })))).toBe('InvalidParameterValue');
    expect(await failure(h.eb.send(new UpdateApplicationResourceLifecycleCommand({ ApplicationName: 'life', ResourceLifecycleConfig: {} })))).toBe('MissingParameter');
  });
});

describe('S3 bucket reads', () => {
  it('GetBucketVersioning (never versioned) and GetBucketAcl (the owner, FULL_CONTROL) instead of 501', async () => {
    const bucket = 'elasticbeanstalk-us-east-1-123456789012';
    const versioning = await h.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(versioning.$metadata.httpStatusCode).toBe(200);
    expect(versioning.Status).toBeUndefined();
    const acl = await h.s3.send(new GetBucketAclCommand({ Bucket: bucket }));
    expect(acl.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(acl.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: acl.Owner?.ID, DisplayName: 'emulator' }, Permission: 'FULL_CONTROL' }]);
    const missing = await h.s3.send(new GetBucketAclCommand({ Bucket: 'no-such-bucket' })).then(() => undefined, (err: Error) => err.name);
    expect(missing).toBe('NoSuchBucket');
  });
});
