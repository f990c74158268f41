// The Query protocol surface: error codes for bad requests, faults, quota — through raw HTTP and the SDK.
import {
  AbortEnvironmentUpdateCommand, CreateApplicationCommand, CreateApplicationVersionCommand, CreateEnvironmentCommand, CreateStorageLocationCommand,
  DeleteApplicationVersionCommand, DescribeAccountAttributesCommand, DescribeApplicationsCommand, DescribeApplicationVersionsCommand,
  DescribeEnvironmentHealthCommand, DescribeEventsCommand, DescribeInstancesHealthCommand, ElasticBeanstalkClient,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.js';
import { signedFetch } from '../support/signed-fetch.js';

const h = useEmulator({ versionQuota: 3 });

async function query(body: string, init: { headers?: Record<string, string> } = {}): Promise<{ status: number; text: string }> {
  const res = await signedFetch(h.emulator.ebEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers }, body }, { service: 'elasticbeanstalk' });
  return { status: res.status, text: await res.text() };
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

async function errorOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

describe('malformed requests', () => {
  it('answers a missing Action, an unknown action and a garbage body with Query error codes', async () => {
    const missing = await query('Version=2010-12-01');
    expect(missing.status).toBe(400);
    expect(codeOf(missing.text)).toBe('MissingAction');

    const unknown = await query('Action=LaunchRockets&Version=2010-12-01');
    expect(unknown.status).toBe(400);
    expect(codeOf(unknown.text)).toBe('InvalidAction');
    expect(unknown.text).toContain('The action LaunchRockets is not valid for this web service.');
    expect(unknown.text).toContain('<ErrorResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/">');

    const garbage = await query('\u0000\u00ff%%%&&==<xml/>', { headers: { 'content-type': 'application/octet-stream' } });
    expect(garbage.status).toBe(400);
    expect(codeOf(garbage.text)).toBe('MissingAction');

    const proto = await query('Action=__proto__&Version=2010-12-01');
    expect(codeOf(proto.text)).toBe('InvalidAction');
  });

  it('names the missing parameter and rejects bad values with InvalidParameterValue', async () => {
    const noName = await query('Action=CreateApplication&Version=2010-12-01');
    expect(noName.status).toBe(400);
    expect(codeOf(noName.text)).toBe('MissingParameter');
    expect(noName.text).toContain('ApplicationName');

    const badMax = await query('Action=DescribeEvents&Version=2010-12-01&MaxRecords=lots');
    expect(codeOf(badMax.text)).toBe('InvalidParameterValue');
    expect(badMax.text).toContain('MaxRecords');

    const badSetting = await query(
      'Action=CreateEnvironment&Version=2010-12-01&ApplicationName=nope&EnvironmentName=nope-env',
    );
    expect(codeOf(badSetting.text)).toBe('InvalidParameterValue');
    expect(badSetting.text).toContain('<Message>No Application named &apos;nope&apos; found.</Message>');
  });

  it('keeps serving after bad requests: a normal call still succeeds', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => query(i % 2 ? 'Action=' : '%E0%A4%A')));
    const out = await h.eb.send(new DescribeApplicationsCommand({}));
    expect(out.$metadata.httpStatusCode).toBe(200);
  });
});

describe('SDK errors', () => {
  it('surfaces EB error codes as err.name with their messages', async () => {
    await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'dup-app' }));
    const dup = await errorOf(h.eb.send(new CreateApplicationCommand({ ApplicationName: 'dup-app' })));
    expect(dup.name).toBe('InvalidParameterValue');
    expect(dup.message).toBe('Application dup-app already exists.');

    const noEnv = await errorOf(h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'ghost', VersionLabel: 'v1' })));
    expect(noEnv.name).toBe('InvalidParameterValue');
    expect(noEnv.message).toBe("No Environment found for EnvironmentName = 'ghost'.");
  });

  it('enforces the application version quota with TooManyApplicationVersionsException', async () => {
    await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'quota-app' }));
    const quota = await h.eb.send(new DescribeAccountAttributesCommand({}));
    expect(quota.ResourceQuotas?.ApplicationVersionQuota?.Maximum).toBe(3);
    for (const label of ['q1', 'q2', 'q3']) {
      await h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'quota-app', VersionLabel: label }));
    }
    const err = await errorOf(h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'quota-app', VersionLabel: 'q4' })));
    expect(err.name).toBe('TooManyApplicationVersionsException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    const listed = await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'quota-app' }));
    expect(listed.ApplicationVersions?.map((v) => v.VersionLabel)).toEqual(['q3', 'q2', 'q1']);
    const paged = await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'quota-app', MaxRecords: 2 }));
    expect(paged.ApplicationVersions).toHaveLength(2);
    const rest = await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'quota-app', MaxRecords: 2, NextToken: paged.NextToken }));
    expect(rest.ApplicationVersions?.map((v) => v.VersionLabel)).toEqual(['q1']);
    expect(rest.NextToken).toBeUndefined();
    // Deleting versions frees quota (this file's later tests use the room).
    await h.eb.send(new DeleteApplicationVersionCommand({ ApplicationName: 'quota-app', VersionLabel: 'q3' }));
    await h.eb.send(new DeleteApplicationVersionCommand({ ApplicationName: 'quota-app', VersionLabel: 'q2' }));
    await h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'quota-app', VersionLabel: 'q4' }));
  });
});

describe('faults', () => {
  const noRetry = (): ElasticBeanstalkClient => new ElasticBeanstalkClient({ maxAttempts: 1 });

  it('throttles a burst with Throttling "Rate exceeded", which the SDK retries through', async () => {
    h.emulator.faults.throttle({ burst: 1, actions: ['DescribeApplications'] });
    const client = noRetry();
    const err = await errorOf(client.send(new DescribeApplicationsCommand({})));
    expect(err.name).toBe('Throttling');
    expect(err.message).toBe('Rate exceeded');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    client.destroy();

    h.emulator.faults.throttle({ burst: 2 });
    const retrying = new ElasticBeanstalkClient({ retryStrategy: new ConfiguredRetryStrategy(3, () => 10) });
    const out = await retrying.send(new DescribeApplicationsCommand({}));
    expect(out.$metadata.attempts).toBe(3);
    retrying.destroy();
  });

  it('throttles a share of calls', async () => {
    h.emulator.faults.throttle({ share: 1, actions: ['DescribeEvents'] });
    const client = noRetry();
    try {
      expect((await errorOf(client.send(new DescribeEventsCommand({})))).name).toBe('Throttling');
      await expect(client.send(new DescribeApplicationsCommand({}))).resolves.toBeDefined();
    } finally {
      h.emulator.faults.clear();
      client.destroy();
    }
    await expect(h.eb.send(new DescribeEventsCommand({}))).resolves.toBeDefined();
  });

  it('answers 5xx bursts that the SDK retries, and 503 ServiceUnavailable', async () => {
    h.emulator.faults.serverErrors({ count: 1, status: 503 });
    const client = noRetry();
    const err = await errorOf(client.send(new DescribeApplicationsCommand({})));
    expect(err.$metadata?.httpStatusCode).toBe(503);
    expect(err.name).toBe('ServiceUnavailable');
    h.emulator.faults.serverErrors({ count: 2 });
    const raw = await query('Action=DescribeApplications&Version=2010-12-01');
    expect(raw.status).toBe(500);
    expect(codeOf(raw.text)).toBe('InternalFailure');
    const retrying = new ElasticBeanstalkClient({ retryStrategy: new ConfiguredRetryStrategy(3, () => 10) });
    const out = await retrying.send(new DescribeApplicationsCommand({}));
    expect(out.$metadata.attempts).toBe(2);
    client.destroy();
    retrying.destroy();
  });

  it('switches faults over the HTTP control endpoint and rejects bad switch bodies', async () => {
    const post = (body: string): Promise<Response> => fetch(`${h.emulator.ebEndpoint}/_emulator/faults`, { method: 'POST', body });
    const ok = await post(JSON.stringify({ throttle: { burst: 1 } }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ applied: ['throttle'] });
    const throttled = await query('Action=DescribeApplications&Version=2010-12-01');
    expect(codeOf(throttled.text)).toBe('Throttling');
    expect(throttled.text).toContain('<Message>Rate exceeded</Message>');

    const bad = await post(JSON.stringify({ throttle: { share: 'half' } }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('throttle.share');
    expect((await post('not json')).status).toBe(400);
    expect((await post(JSON.stringify({ meteor: {} }))).status).toBe(400);

    await post(JSON.stringify({ serverErrors: { count: 5 } }));
    const cleared = await fetch(`${h.emulator.ebEndpoint}/_emulator/faults`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect((await query('Action=DescribeApplications&Version=2010-12-01')).status).toBe(200);

    const state = (await (await fetch(`${h.emulator.ebEndpoint}/_emulator/state`)).json()) as { applications: { name: string }[] };
    expect(state.applications.map((a) => a.name)).toContain('dup-app');
  });
});

describe('environment refusals', () => {
  it('refuses bad environment names, unknown versions and health calls on unknown environments', async () => {
    await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'envs-app' }));
    const shortName = await errorOf(h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'envs-app', EnvironmentName: '-x' })));
    expect(shortName.name).toBe('ValidationError');
    expect(shortName.message).toBe("1 validation error detected: Value '-x' at 'environmentName' failed to satisfy constraint: Member must have length greater than or equal to 4");
    const badName = await errorOf(h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'envs-app', EnvironmentName: '-xyz' })));
    expect(badName.name).toBe('InvalidParameterValue');
    expect(badName.message).toContain("'EnvironmentName'");
    const noVersion = await errorOf(h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'envs-app', EnvironmentName: 'envs-dev', VersionLabel: 'nope' })));
    expect(noVersion.message).toBe("No Application Version named 'nope' found.");
    const badOption = await errorOf(h.eb.send(new CreateEnvironmentCommand({
      ApplicationName: 'envs-app', EnvironmentName: 'envs-dev',
      OptionSettings: [{ Namespace: 'aws:autoscaling:asg', OptionName: 'MinSize', Value: 'many' }],
    })));
    expect(badOption.name).toBe('InvalidParameterValue');
    expect(badOption.message).toContain("Invalid option value: 'many' (Namespace: 'aws:autoscaling:asg', OptionName: 'MinSize')");
    const health = await errorOf(h.eb.send(new DescribeEnvironmentHealthCommand({ EnvironmentName: 'ghost-env', AttributeNames: ['All'] })));
    expect(health.name).toBe('InvalidRequestException');
    const instances = await errorOf(h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: 'ghost-env' })));
    expect(instances.name).toBe('InvalidRequestException');
    const abort = await errorOf(h.eb.send(new AbortEnvironmentUpdateCommand({ EnvironmentName: 'ghost-env' })));
    expect(abort.message).toBe("No Environment found for EnvironmentName = 'ghost-env'.");
  });
});

describe('application versions', () => {
  it('checks the source bundle exists, refuses duplicate labels and can create the application', async () => {
    const { S3Bucket: bucket } = await h.eb.send(new CreateStorageLocationCommand({}));
    expect(bucket).toBe('elasticbeanstalk-us-east-1-123456789012');
    const missing = await errorOf(h.eb.send(new CreateApplicationVersionCommand({
      ApplicationName: 'auto-app', VersionLabel: 'a1', AutoCreateApplication: true, SourceBundle: { S3Bucket: bucket, S3Key: 'nope.zip' },
    })));
    expect(missing.name).toBe('InvalidParameterCombination');
    expect(missing.message).toBe(`Unable to download from S3 location (Bucket: ${bucket} Key: nope.zip). Reason: Not Found`);

    await h.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'auto/a1.zip', Body: 'not even a zip' }));
    const created = await h.eb.send(new CreateApplicationVersionCommand({
      ApplicationName: 'auto-app', VersionLabel: 'a1', AutoCreateApplication: true, SourceBundle: { S3Bucket: bucket, S3Key: 'auto/a1.zip' },
    }));
    expect(created.ApplicationVersion).toMatchObject({ ApplicationName: 'auto-app', VersionLabel: 'a1', Status: 'Unprocessed', SourceBundle: { S3Bucket: bucket, S3Key: 'auto/a1.zip' } });
    expect(created.ApplicationVersion?.ApplicationVersionArn).toBe('arn:aws:elasticbeanstalk:us-east-1:123456789012:applicationversion/auto-app/a1');
    const apps = await h.eb.send(new DescribeApplicationsCommand({ ApplicationNames: ['auto-app'] }));
    expect(apps.Applications?.[0]?.Versions).toEqual(['a1']);
    const dup = await errorOf(h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'auto-app', VersionLabel: 'a1' })));
    expect(dup.message).toBe('Application Version a1 already exists.');
    const noApp = await errorOf(h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'no-such-app', VersionLabel: 'x' })));
    expect(noApp.message).toBe("No Application named 'no-such-app' found.");
  });
});
