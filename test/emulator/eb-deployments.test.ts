// Deployment policies and health with real instance processes: broken apps, Rolling, Immutable, aborts.
import {
  AbortEnvironmentUpdateCommand, DescribeEnvironmentHealthCommand, DescribeEventsCommand, DescribeInstancesHealthCommand,
  UpdateEnvironmentCommand, type EventDescription,
} from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, useEmulator, waitFor } from '../support/emulator.js';

const h = useEmulator({ timeScale: 0.01 });

async function servedVersion(cname: string | undefined): Promise<string | undefined> {
  const res = await fetch(`http://${cname ?? ''}/`);
  const text = await res.text();
  return res.status === 200 ? (JSON.parse(text) as { version: string }).version : `HTTP ${res.status}`;
}

async function instanceVersions(env: string): Promise<(string | undefined)[]> {
  const out = await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: env, AttributeNames: ['All'] }));
  return (out.InstanceHealthList ?? []).map((i) => i.Deployment?.VersionLabel);
}

async function events(requestId: string | undefined): Promise<EventDescription[]> {
  return ((await h.eb.send(new DescribeEventsCommand({ RequestId: requestId }))).Events ?? []).reverse();
}

const ready = (env: string) => waitFor(`${env} Ready`, () => describeEnv(h.eb, env), (e) => e.Status === 'Ready');

describe('health', () => {
  it('turns Red/Severe with Causes when the new version answers 5xx', async () => {
    await createEnvironmentReady(h, { app: 'health', env: 'health-env', label: 'good' });
    await createTestVersion(h, 'health', 'broken', { mode: 'unhealthy' });
    await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'health-env', VersionLabel: 'broken' }));
    const env = await waitFor('Severe', () => describeEnv(h.eb, 'health-env'), (e) => e.Status === 'Ready' && e.HealthStatus === 'Severe');
    expect(env).toMatchObject({ Health: 'Red', VersionLabel: 'broken' });
    const health = await h.eb.send(new DescribeEnvironmentHealthCommand({ EnvironmentName: 'health-env', AttributeNames: ['All'] }));
    expect(health).toMatchObject({ HealthStatus: 'Severe', Color: 'Red', InstancesHealth: { Severe: 1, Ok: 0 } });
    expect(health.Causes).toEqual(expect.arrayContaining(['ELB health is failing or not available for all instances.', '100.0 % of the requests are failing with HTTP 5xx.']));
    const instance = (await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: 'health-env', AttributeNames: ['All'] }))).InstanceHealthList?.[0];
    expect(instance).toMatchObject({ HealthStatus: 'Severe', Color: 'Red', Deployment: { VersionLabel: 'broken' } });
    expect(instance?.Causes?.join(' ')).toMatch(/Process default has been unhealthy for \d+ seconds \(Target.ResponseCodeMismatch\)/);
    const transitions = ((await h.eb.send(new DescribeEventsCommand({ EnvironmentName: 'health-env', Severity: 'WARN' }))).Events ?? []).map((e) => e.Message);
    expect(transitions.some((m) => m?.startsWith('Environment health has transitioned from') && m.includes('to Severe.'))).toBe(true);
    expect(await servedVersion(env.CNAME)).toBe('HTTP 503');
  });

  it('reports a crashed process as Severe with "Following services are not running"', async () => {
    h.emulator.faults.appFault('crashy', { mode: 'crash-after', seconds: 0.5 });
    await createTestVersion(h, 'health', 'crashy');
    await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'health-env', VersionLabel: 'crashy' }));
    await waitFor('crashed', () => describeEnv(h.eb, 'health-env'), (e) => e.Status === 'Ready' && e.HealthStatus === 'Severe' && e.VersionLabel === 'crashy');
    const health = await waitFor(
      'crash cause',
      () => h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: 'health-env', AttributeNames: ['All'] })),
      (o) => (o.InstanceHealthList?.[0]?.Causes ?? []).includes('Following services are not running: web.'),
    );
    expect(health.InstanceHealthList?.[0]?.Causes).toContain('The web process exited with code 3.');
  });
});

describe('deployment policies', () => {
  it('Rolling shows mixed instance versions mid-deploy, then all on the new one', async () => {
    const appOptions = { deploymentPolicy: 'Rolling' as const, batchSize: 1, instances: 3 };
    await createEnvironmentReady(h, { app: 'roll', env: 'roll-env', label: 'r1', appOptions });
    expect(await instanceVersions('roll-env')).toEqual(['r1', 'r1', 'r1']);
    await createTestVersion(h, 'roll', 'r2', appOptions);
    const update = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'roll-env', VersionLabel: 'r2' }));
    const mixed = await waitFor('mixed versions', () => instanceVersions('roll-env'), (v) => v.includes('r1') && v.includes('r2'), 30_000, 20);
    expect(new Set(mixed)).toEqual(new Set(['r1', 'r2']));
    const env = await ready('roll-env');
    expect(env).toMatchObject({ VersionLabel: 'r2', Health: 'Green' });
    expect(await instanceVersions('roll-env')).toEqual(['r2', 'r2', 'r2']);
    const messages = (await events(update.$metadata.requestId)).map((e) => e.Message);
    expect(messages).toEqual(expect.arrayContaining(['Batch 1: Completed application deployment.', 'Batch 3: Completed application deployment.', 'Environment update completed successfully.']));
  });

  it('Immutable undoes a failed deploy by itself: Ready on the OLD version with an error event', async () => {
    await createEnvironmentReady(h, { app: 'imm', env: 'imm-env', label: 'stable', appOptions: { deploymentPolicy: 'Immutable' } });
    await createTestVersion(h, 'imm', 'bad', { deploymentPolicy: 'Immutable', mode: 'unhealthy' });
    const update = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'imm-env', VersionLabel: 'bad' }));
    const during = await waitFor('temporary instance', () => instanceVersions('imm-env'), (v) => v.length === 2);
    expect(during.sort()).toEqual(['bad', 'stable']);
    const env = await ready('imm-env');
    expect(env).toMatchObject({ VersionLabel: 'stable', Health: 'Green', HealthStatus: 'Ok' });
    expect(await instanceVersions('imm-env')).toEqual(['stable']);
    expect(await servedVersion(env.CNAME)).toBe('stable');
    const list = await events(update.$metadata.requestId);
    expect(list.filter((e) => e.Severity === 'ERROR').map((e) => e.Message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/in the temporary auto scaling group did not pass health checks within the command timeout/), 'Failed to deploy application.']),
    );
  });

  it('a stuck update stays Updating until AbortEnvironmentUpdate, which ends Ready on the previous version', async () => {
    await createTestVersion(h, 'imm', 'next');
    h.emulator.faults.stuckUpdate('imm-env');
    const update = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'imm-env', VersionLabel: 'next' }));
    await new Promise((r) => setTimeout(r, 1500));
    const stuck = await describeEnv(h.eb, 'imm-env');
    expect(stuck).toMatchObject({ Status: 'Updating', AbortableOperationInProgress: true, VersionLabel: 'stable' });
    await h.eb.send(new AbortEnvironmentUpdateCommand({ EnvironmentName: 'imm-env' }));
    const env = await ready('imm-env');
    expect(env).toMatchObject({ VersionLabel: 'stable', AbortableOperationInProgress: false });
    expect((await events(update.$metadata.requestId)).map((e) => e.Message)).toContain('Environment update was aborted.');
    const again = await h.eb.send(new AbortEnvironmentUpdateCommand({ EnvironmentName: 'imm-env' })).catch((e: Error) => e);
    expect((again as Error).name).toBe('InvalidParameterValue');
  });

  it('aborting an in-place Rolling deploy puts the previous version back on every instance', async () => {
    await createTestVersion(h, 'roll', 'r3', { deploymentPolicy: 'Rolling', batchSize: 1, instances: 3, mode: 'slow-start', seconds: 30 });
    await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'roll-env', VersionLabel: 'r3' }));
    // The first batch runs r3 (slow to start) and waits for its health checks when the abort comes.
    await waitFor(
      'first batch running r3',
      () => h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: 'roll-env', AttributeNames: ['All'] })),
      (o) => (o.InstanceHealthList ?? []).some((i) => i.Deployment?.VersionLabel === 'r3' && i.Deployment.Status === 'Deployed'),
    );
    await h.eb.send(new AbortEnvironmentUpdateCommand({ EnvironmentName: 'roll-env' }));
    const env = await ready('roll-env');
    expect(env.VersionLabel).toBe('r2');
    expect(await instanceVersions('roll-env')).toEqual(['r2', 'r2', 'r2']);
    await waitFor('Green again', () => describeEnv(h.eb, 'roll-env'), (e) => e.Health === 'Green');
    expect(await servedVersion(env.CNAME)).toBe('r2');
  });
});

describe('slow starts and HTTP-switched app faults', () => {
  it('a slow-starting app is Pending, then Green once it answers', async () => {
    const env = await createEnvironmentReady(h, { app: 'slow', env: 'slow-env', label: 's1', appOptions: { mode: 'slow-start', seconds: 1.5 } });
    expect(env).toMatchObject({ Health: 'Green', HealthStatus: 'Ok' });
    expect(await servedVersion(env.CNAME)).toBe('s1');
    const transitions = ((await h.eb.send(new DescribeEventsCommand({ EnvironmentName: 'slow-env' }))).Events ?? []).map((e) => e.Message);
    expect(transitions).toContain('Environment health has transitioned from Pending to Ok.');
  });

  it('an appFault switched over HTTP makes that version unhealthy, and the environment recovers on redeploy', async () => {
    const res = await fetch(`${h.emulator.ebEndpoint}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ appFault: { label: 's2', mode: 'unhealthy' } }) });
    expect(res.status).toBe(200);
    await createTestVersion(h, 'slow', 's2');
    await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'slow-env', VersionLabel: 's2' }));
    await waitFor('s2 Severe', () => describeEnv(h.eb, 'slow-env'), (e) => e.Status === 'Ready' && e.VersionLabel === 's2' && e.HealthStatus === 'Severe');
    await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'slow-env', VersionLabel: 's1' }));
    const back = await waitFor('s1 Ok', () => describeEnv(h.eb, 'slow-env'), (e) => e.Status === 'Ready' && e.VersionLabel === 's1' && e.HealthStatus === 'Ok');
    expect(back.Health).toBe('Green');
    const recovered = ((await h.eb.send(new DescribeEventsCommand({ EnvironmentName: 'slow-env', MaxRecords: 10 }))).Events ?? []).map((e) => e.Message);
    expect(recovered.some((m) => m?.startsWith('Environment health has transitioned from') && m.endsWith('to Ok.'))).toBe(true);
  });
});

describe('health check path', () => {
  it('checks the HealthCheckPath of the API settings over the bundle, answering 404 there turns Severe', async () => {
    await createEnvironmentReady(h, { app: 'paths', env: 'paths-env', label: 'p1', appOptions: { healthCheckPath: '/status' } });
    await h.eb.send(new UpdateEnvironmentCommand({
      EnvironmentName: 'paths-env',
      OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:environment:process:default', OptionName: 'HealthCheckPath', Value: '/missing' }],
    }));
    await waitFor('Severe', () => describeEnv(h.eb, 'paths-env'), (e) => e.Status === 'Ready' && e.HealthStatus === 'Severe');
    const instance = (await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: 'paths-env', AttributeNames: ['All'] }))).InstanceHealthList?.[0];
    expect(instance?.Causes?.join(' ')).toMatch(/\(Target.ResponseCodeMismatch\)/);
    expect(instance?.Causes?.join(' ')).not.toMatch(/5xx/);
  });
});
