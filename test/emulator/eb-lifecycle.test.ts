// Applications, versions and environments through the SDK: processing, deploys, EB's refusals.
import {
  CreateApplicationCommand, CreateApplicationVersionCommand, DeleteApplicationVersionCommand, DescribeApplicationVersionsCommand,
  DescribeEnvironmentHealthCommand, DescribeEnvironmentsCommand, DescribeEventsCommand, DescribeInstancesHealthCommand,
  TerminateEnvironmentCommand, UpdateEnvironmentCommand,
  type EventDescription,
} from '@aws-sdk/client-elastic-beanstalk';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, useEmulator, waitFor } from '../support/emulator.js';
import yazl from 'yazl';

const h = useEmulator({ timeScale: 0.01 });
const APP = 'shop';

async function fetchJson(cname: string | undefined): Promise<{ version?: string; pid?: number }> {
  const res = await fetch(`http://${cname ?? ''}/`);
  const text = await res.text();
  return res.status === 200 ? (JSON.parse(text) as { version?: string }) : {};
}

async function versionStatus(label: string, app = APP): Promise<string | undefined> {
  const out = await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: app, VersionLabels: [label] }));
  return out.ApplicationVersions?.[0]?.Status;
}

async function eventsFor(filter: { RequestId?: string | undefined; EnvironmentName?: string; VersionLabel?: string }): Promise<EventDescription[]> {
  return (await h.eb.send(new DescribeEventsCommand({ ApplicationName: APP, ...filter }))).Events ?? [];
}

const messages = (events: EventDescription[]): string[] => events.map((e) => e.Message ?? '').reverse();

async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function uploadVersion(label: string, body: Buffer, process = true): Promise<void> {
  const key = `raw/${label}.zip`;
  const bucket = 'elasticbeanstalk-us-east-1-123456789012';
  await h.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  await h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: APP, VersionLabel: label, SourceBundle: { S3Bucket: bucket, S3Key: key }, Process: process }));
}

describe('an environment running the test app', () => {
  it('launches Green with the version serving through its load-balancer port', async () => {
    const env = await createEnvironmentReady(h, { app: APP, env: 'shop-dev', label: 'v1' });
    expect(env).toMatchObject({ Status: 'Ready', Health: 'Green', HealthStatus: 'Ok', VersionLabel: 'v1', AbortableOperationInProgress: false });
    expect(env.CNAME).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await fetchJson(env.CNAME)).toMatchObject({ version: 'v1' });

    const health = await h.eb.send(new DescribeEnvironmentHealthCommand({ EnvironmentName: 'shop-dev', AttributeNames: ['All'] }));
    expect(health).toMatchObject({ HealthStatus: 'Ok', Color: 'Green', Status: 'Ready', InstancesHealth: { Ok: 1, Severe: 0 } });
    expect(health.RefreshedAt).toBeInstanceOf(Date);
    // Requests through the load balancer in the last 10 s are EB's ApplicationMetrics.
    expect(health.ApplicationMetrics).toMatchObject({ Duration: 10, StatusCodes: { Status2xx: 1, Status5xx: 0 } });
    expect(health.ApplicationMetrics?.RequestCount).toBe(1);
    expect(health.ApplicationMetrics?.Latency?.P50).toBeGreaterThan(0);
    const instances = await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: 'shop-dev', AttributeNames: ['All'] }));
    expect(instances.InstanceHealthList).toHaveLength(1);
    expect(instances.InstanceHealthList?.[0]).toMatchObject({ HealthStatus: 'Ok', Color: 'Green', Deployment: { VersionLabel: 'v1', Status: 'Deployed' } });
    expect(instances.InstanceHealthList?.[0]?.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(messages(await eventsFor({ EnvironmentName: 'shop-dev' }))).toEqual(
      expect.arrayContaining(['createEnvironment is starting.', 'Successfully launched environment: shop-dev']),
    );
  });

  it('deploys a new version, refusing a second update until Ready, with EB event wording', async () => {
    await createTestVersion(h, APP, 'v2');
    const update = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'shop-dev', VersionLabel: 'v2' }));
    expect(update).toMatchObject({ Status: 'Updating', AbortableOperationInProgress: true, VersionLabel: 'v1' });
    const busy = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'shop-dev', VersionLabel: 'v1' })).catch((e: Error) => e);
    expect(busy).toBeInstanceOf(Error);
    expect((busy as Error).name).toBe('InvalidParameterValue');
    expect((busy as Error).message).toBe('Environment named shop-dev is in an invalid state for this operation. Must be Ready.');

    const env = await waitFor('update done', () => describeEnv(h.eb, 'shop-dev'), (e) => e.Status === 'Ready');
    expect(env).toMatchObject({ VersionLabel: 'v2', Health: 'Green', AbortableOperationInProgress: false });
    await waitFor('LB serving v2', () => fetchJson(env.CNAME), (b) => b.version === 'v2');
    const requestId = update.$metadata.requestId;
    expect(requestId).toBeTruthy();
    expect(messages(await eventsFor({ RequestId: requestId }))).toEqual([
      'Environment update is starting.',
      'Deploying new version to instance(s).',
      'Instance deployment completed successfully.',
      'New application version was deployed to running EC2 instances.',
      'Environment update completed successfully.',
    ]);
  });

  it('refuses to delete the deployed version and deletes another with its source bundle', async () => {
    const err = await h.eb.send(new DeleteApplicationVersionCommand({ ApplicationName: APP, VersionLabel: 'v2' })).catch((e: Error) => e);
    expect((err as Error).name).toBe('InvalidParameterValue');
    expect((err as Error).message).toBe("Unable to delete application version 'v2' because it is being used by environment(s): shop-dev.");
    expect(await versionStatus('v2')).toBe('Processed');

    await h.eb.send(new DeleteApplicationVersionCommand({ ApplicationName: APP, VersionLabel: 'v1', DeleteSourceBundle: true }));
    expect(await versionStatus('v1')).toBeUndefined();
    const head = await h.s3.send(new HeadObjectCommand({ Bucket: 'elasticbeanstalk-us-east-1-123456789012', Key: `${APP}/v1.zip` })).catch((e: Error) => e);
    expect((head as Error).name).toBe('NotFound');
  });

  it('passes API option settings to the processes, over the bundle .ebextensions', async () => {
    await h.eb.send(new UpdateEnvironmentCommand({
      EnvironmentName: 'shop-dev',
      OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:application:environment', OptionName: 'APP_VERSION', Value: 'from-api' }],
    }));
    const env = await waitFor('config update done', () => describeEnv(h.eb, 'shop-dev'), (e) => e.Status === 'Ready');
    expect(env.VersionLabel).toBe('v2');
    await waitFor('LB serving the API setting', () => fetchJson(env.CNAME), (b) => b.version === 'from-api');
    const bad = await h.eb.send(new UpdateEnvironmentCommand({
      EnvironmentName: 'shop-dev',
      OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:command', OptionName: 'DeploymentPolicy', Value: 'YOLO' }],
    })).catch((e: Error) => e);
    expect((bad as Error).name).toBe('InvalidParameterValue');
    expect((bad as Error).message).toContain("Invalid option value: 'YOLO'");
  });
});

describe('version processing', () => {
  it('ends Failed for bundles EB rejects, with an event saying why', async () => {
    await uploadVersion('not-zip', Buffer.from('this is not a zip'));
    await uploadVersion('no-procfile', await zipOf({ 'app.py': 'print(1)\n' }));
    await uploadVersion('bad-ext', await zipOf({ Procfile: 'web: node x.js\n', '.ebextensions/01.config': 'option_settings: [unclosed\n' }));
    // AWS processing validates only .ebextensions and env.yaml: a bundle without a Procfile is processed.
    await waitFor('no-procfile processed', () => versionStatus('no-procfile'), (s) => s === 'Failed' || s === 'Processed');
    expect(await versionStatus('no-procfile')).toBe('Processed');
    await uploadVersion('bad-env-yaml', await zipOf({ Procfile: 'web: node x.js\n', 'env.yaml': 'EnvironmentName: [oops\n' }));
    for (const label of ['not-zip', 'bad-ext', 'bad-env-yaml']) {
      await waitFor(`${label} failed`, () => versionStatus(label), (s) => s === 'Failed' || s === 'Processed');
      expect(await versionStatus(label)).toBe('Failed');
    }
    const events = await eventsFor({ VersionLabel: 'bad-ext' });
    expect(events[0]?.Severity).toBe('ERROR');
    expect(events[0]?.Message).toContain('The configuration file .ebextensions/01.config in application version bad-ext contains invalid YAML or JSON.');
    expect((await eventsFor({ VersionLabel: 'bad-env-yaml' }))[0]?.Message).toContain('env.yaml in application version bad-env-yaml contains invalid YAML');
    expect((await eventsFor({ VersionLabel: 'not-zip' }))[0]?.Message).toContain('not a valid zip');
  });

  it('fails processing on demand and leaves Process=false versions Unprocessed until deployed', async () => {
    h.emulator.faults.failProcessing('doomed', 'injected for the test');
    await createTestVersion(h, APP, 'doomed');
    expect(await versionStatus('doomed')).toBe('Failed');

    const dir = await uploadVersion('lazy', await zipOf({
      Procfile: 'web: node server.mjs\n',
      'server.mjs': "import http from 'node:http'; http.createServer((q, s) => s.end(JSON.stringify({ version: 'lazy' }))).listen(Number(process.env.PORT), '127.0.0.1');\n",
    }), false);
    expect(dir).toBeUndefined();
    expect(await versionStatus('lazy')).toBe('Unprocessed');
    await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'shop-dev', VersionLabel: 'lazy' }));
    const env = await waitFor('lazy deployed', () => describeEnv(h.eb, 'shop-dev'), (e) => e.Status === 'Ready');
    expect(env.VersionLabel).toBe('lazy');
    expect(await versionStatus('lazy')).toBe('Processed');
    await waitFor('LB serving lazy', () => fetchJson(env.CNAME), (b) => b.version === 'lazy');
  });

  it('accepts a bundle with a Dockerfile but fails its deployment, saying the emulator cannot build images', async () => {
    await uploadVersion('docker', await zipOf({ 'Dockerrun.aws.json': '{"AWSEBDockerrunVersion":"1","Ports":[{"ContainerPort":8000}]}', Dockerfile: 'FROM scratch\n' }));
    await waitFor('docker processed', () => versionStatus('docker'), (s) => s === 'Processed' || s === 'Failed');
    expect(await versionStatus('docker')).toBe('Processed');
    const update = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'shop-dev', VersionLabel: 'docker' }));
    const env = await waitFor('docker deploy over', () => describeEnv(h.eb, 'shop-dev'), (e) => e.Status === 'Ready');
    expect(env.VersionLabel).toBe('lazy');
    const events = messages(await eventsFor({ RequestId: update.$metadata.requestId }));
    expect(events.at(-1)).toBe('Failed to deploy application.');
    expect(events.join('\n')).toMatch(/has a Dockerfile: .*the emulator cannot build images.*Dockerrun.aws.json names it/);
    await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'after-docker' }));
  });

  it('fails, at deployment, a processed bundle that says nothing about how to run it', async () => {
    const update = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'shop-dev', VersionLabel: 'no-procfile' }));
    const env = await waitFor('no-procfile deploy over', () => describeEnv(h.eb, 'shop-dev'), (e) => e.Status === 'Ready');
    expect(env.VersionLabel).toBe('lazy');
    const events = messages(await eventsFor({ RequestId: update.$metadata.requestId }));
    expect(events.at(-1)).toBe('Failed to deploy application.');
    expect(events.join('\n')).toContain('no Procfile with a `web:` command, no Dockerfile and no Dockerrun.aws.json');
  });
});

describe('events and termination', () => {
  it('pages DescribeEvents with MaxRecords/NextToken and filters by StartTime and Severity', async () => {
    const all = await eventsFor({ EnvironmentName: 'shop-dev' });
    expect(all.length).toBeGreaterThan(4);
    const dates = all.map((e) => e.EventDate?.getTime() ?? 0);
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    const first = await h.eb.send(new DescribeEventsCommand({ EnvironmentName: 'shop-dev', MaxRecords: 3 }));
    expect(first.Events).toHaveLength(3);
    const second = await h.eb.send(new DescribeEventsCommand({ EnvironmentName: 'shop-dev', MaxRecords: 3, NextToken: first.NextToken }));
    expect(second.Events?.map((e) => e.Message)).toEqual(all.slice(3, 6).map((e) => e.Message));
    const since = all[2]?.EventDate ?? new Date();
    const recent = await h.eb.send(new DescribeEventsCommand({ EnvironmentName: 'shop-dev', StartTime: since }));
    expect(recent.Events?.every((e) => (e.EventDate?.getTime() ?? 0) >= since.getTime())).toBe(true);
    expect(recent.Events?.length).toBeLessThan(all.length);
    const errors = await h.eb.send(new DescribeEventsCommand({ EnvironmentName: 'shop-dev', Severity: 'ERROR' }));
    expect(errors.Events?.map((e) => e.Severity)).toEqual(errors.Events?.map(() => 'ERROR'));
    expect(errors.Events?.map((e) => e.Message)).toContain('Failed to deploy application.');
  });

  it('terminates an environment: processes and load balancer gone, name free again', async () => {
    const before = await describeEnv(h.eb, 'shop-dev');
    const out = await h.eb.send(new TerminateEnvironmentCommand({ EnvironmentName: 'shop-dev' }));
    expect(out.Status).toBe('Terminating');
    const gone = await waitFor('Terminated', async () => (await h.eb.send(new DescribeEnvironmentsCommand({ EnvironmentNames: ['shop-dev'] }))).Environments?.[0], (e) => e?.Status === 'Terminated');
    expect(gone?.EnvironmentId).toBe(before.EnvironmentId);
    await expect(fetch(`http://${before.CNAME ?? ''}/`)).rejects.toThrow();
    expect((await h.eb.send(new DescribeEnvironmentsCommand({ EnvironmentNames: ['shop-dev'], IncludeDeleted: false }))).Environments).toEqual([]);
    expect(messages(await eventsFor({ RequestId: out.$metadata.requestId }))).toEqual(['terminateEnvironment is starting.', 'terminateEnvironment completed successfully.']);
    const update = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'shop-dev', VersionLabel: 'v2' })).catch((e: Error) => e);
    expect((update as Error).message).toBe("No Environment found for EnvironmentName = 'shop-dev'.");
    // Deleting v2 is allowed now that no environment runs it.
    await h.eb.send(new DeleteApplicationVersionCommand({ ApplicationName: APP, VersionLabel: 'v2' }));
  });

  it('passes S3 5xx faults to S3 clients', async () => {
    h.emulator.faults.s3ServerErrors(1);
    const client = new S3Client({ maxAttempts: 1 });
    const err = await client.send(new HeadObjectCommand({ Bucket: 'elasticbeanstalk-us-east-1-123456789012', Key: 'raw/lazy.zip' })).catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeGreaterThanOrEqual(500);
    await expect(client.send(new HeadObjectCommand({ Bucket: 'elasticbeanstalk-us-east-1-123456789012', Key: 'raw/lazy.zip' }))).resolves.toBeDefined();
    client.destroy();
  });
});
