// How a deployment batch is judged: consecutive passing health reports within the command Timeout,
// HealthCheckSuccessThreshold, IgnoreHealthCheck.
import { DescribeEnvironmentHealthCommand, DescribeEventsCommand, DescribeInstancesHealthCommand, UpdateEnvironmentCommand, type ConfigurationOptionSetting } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, useEmulator, waitFor } from '../support/emulator.js';

const TIME_SCALE = 0.02;
const h = useEmulator({ timeScale: TIME_SCALE });

async function instanceVersions(env: string): Promise<(string | undefined)[]> {
  const out = await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: env, AttributeNames: ['Deployment'] }));
  return (out.InstanceHealthList ?? []).map((i) => i.Deployment?.VersionLabel);
}

async function messages(requestId: string | undefined): Promise<string[]> {
  return ((await h.eb.send(new DescribeEventsCommand({ RequestId: requestId }))).Events ?? []).reverse().map((e) => e.Message ?? '');
}

/** Deploys `label` and waits until the update has ended; how long it took in ms, and its events. */
async function deploy(env: string, label: string, optionSettings: ConfigurationOptionSetting[] = []): Promise<{ ms: number; events: string[] }> {
  const started = Date.now();
  const update = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: env, VersionLabel: label, OptionSettings: optionSettings }));
  await waitFor(`${env} updated`, () => describeEnv(h.eb, env), (e) => e.Status === 'Ready', 50_000, 50);
  return { ms: Date.now() - started, events: await messages(update.$metadata.requestId) };
}

const command = (name: string, value: string): ConfigurationOptionSetting => ({ Namespace: 'aws:elasticbeanstalk:command', OptionName: name, Value: value });
const threshold = (value: string): ConfigurationOptionSetting => ({ Namespace: 'aws:elasticbeanstalk:healthreporting:system', OptionName: 'HealthCheckSuccessThreshold', Value: value });

describe('health reports', () => {
  it('RefreshedAt advances every 10 s of EB time, not faster', async () => {
    await createEnvironmentReady(h, { app: 'tick', env: 'tick-env', label: 'v1' });
    const seen = new Set<number>();
    const until = Date.now() + 60 * 1000 * TIME_SCALE;
    while (Date.now() < until) {
      const health = await h.eb.send(new DescribeEnvironmentHealthCommand({ EnvironmentName: 'tick-env', AttributeNames: ['RefreshedAt'] }));
      seen.add(health.RefreshedAt?.getTime() ?? 0);
      await new Promise((r) => setTimeout(r, 20));
    }
    const times = [...seen].sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, n) => t - (times[n] ?? t));
    console.log(`RefreshedAt gaps over 60 s of EB time at time scale ${TIME_SCALE}: ${gaps.join(', ')} ms`);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    // setInterval fires a little early or late; a loaded machine may skip a round, never add one.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(10 * 1000 * TIME_SCALE * 0.8);
  });
});

describe('Rolling batch health', () => {
  const rolling = { deploymentPolicy: 'Rolling', batchSize: 1, instances: 3 } as const;

  it('a failing version stops after the first batch when the command Timeout runs out, not after a few checks', async () => {
    await createEnvironmentReady(h, { app: 'roll', env: 'roll-env', label: 'v1', appOptions: rolling });
    await createTestVersion(h, 'roll', 'bad', { ...rolling, mode: 'unhealthy' });
    const { ms, events } = await deploy('roll-env', 'bad', [command('Timeout', '300')]);
    console.log(`Rolling, failing version, Timeout 300 s at time scale ${TIME_SCALE}: failed after ${ms} ms`);
    // 300 s of EB time; three failed checks would have taken 30 s.
    expect(ms).toBeGreaterThanOrEqual(300 * 1000 * TIME_SCALE);
    expect(ms).toBeLessThan(300 * 1000 * TIME_SCALE + 8000);
    expect(events).toContainEqual(expect.stringMatching(/^Batch 1: instance\(s\) \[i-[0-9a-f]+\] did not pass health checks within the command timeout \(300 s\): i-[0-9a-f]+: Severe\. /));
    expect(events.filter((m) => m.startsWith('Batch 2'))).toEqual([]);
    expect(events).toContain('Failed to deploy application.');
    expect((await describeEnv(h.eb, 'roll-env')).VersionLabel).toBe('v1');
    expect((await instanceVersions('roll-env')).sort()).toEqual(['bad', 'v1', 'v1']);
  });

  it('a healthy batch needs 12 consecutive Ok reports (two minutes of EB time) before the next starts', async () => {
    await createTestVersion(h, 'roll', 'v2', rolling);
    const { ms, events } = await deploy('roll-env', 'v2');
    console.log(`Rolling, 3 batches of 1, healthy: ${ms} ms`);
    // 3 batches × (15 s command + 12 reports 10 s apart) of EB time at least. The first report of a
    // batch may come right after its command (reports are not aligned with batches): 12 reports span
    // 11 intervals, so 15 + 110 s a batch is the least (the old bound of 135 s failed at ~8.06 s of 8.1).
    expect(ms).toBeGreaterThanOrEqual(3 * 125 * 1000 * TIME_SCALE);
    expect(events).toEqual(expect.arrayContaining(['Batch 3: Completed application deployment.', 'Environment update completed successfully.']));
    expect(await instanceVersions('roll-env')).toEqual(['v2', 'v2', 'v2']);
  });

  it('IgnoreHealthCheck lets an unhealthy version through every batch', async () => {
    const { events } = await deploy('roll-env', 'bad', [command('IgnoreHealthCheck', 'true')]);
    expect(events).toEqual(expect.arrayContaining(['Batch 3: Completed application deployment.', 'Environment update completed successfully.']));
    expect(events.filter((m) => m.includes('Waiting for instance(s)'))).toEqual([]);
    expect(await describeEnv(h.eb, 'roll-env')).toMatchObject({ VersionLabel: 'bad' });
    expect(await instanceVersions('roll-env')).toEqual(['bad', 'bad', 'bad']);
    await waitFor('Severe', () => describeEnv(h.eb, 'roll-env'), (e) => e.HealthStatus === 'Severe');
  });
});

describe('HealthCheckSuccessThreshold', () => {
  // The flaky version fails every second health check: its instance goes Ok, Warning, Ok, Warning...
  const flaky = { deploymentPolicy: 'Rolling', batchSize: 1, instances: 1, mode: 'flaky' } as const;

  it('Warning lets a Warning batch pass; with Ok the same version fails at the command Timeout', async () => {
    await createEnvironmentReady(h, { app: 'thr', env: 'thr-env', label: 'v1', appOptions: { deploymentPolicy: 'Rolling', instances: 1 } });
    await createTestVersion(h, 'thr', 'flaky-a', flaky);
    await createTestVersion(h, 'thr', 'flaky-b', flaky);
    const passed = await deploy('thr-env', 'flaky-a', [threshold('Warning')]);
    expect(passed.events).toContain('Environment update completed successfully.');
    expect((await describeEnv(h.eb, 'thr-env')).VersionLabel).toBe('flaky-a');
    const failed = await deploy('thr-env', 'flaky-b', [threshold('Ok'), command('Timeout', '200')]);
    expect(failed.events).toContainEqual(expect.stringMatching(/^Batch 1: instance\(s\) \[i-[0-9a-f]+\] did not pass health checks within the command timeout \(200 s\)/));
    expect((await describeEnv(h.eb, 'thr-env')).VersionLabel).toBe('flaky-a');
  });

  it('rejects a threshold EB does not know, naming the option', async () => {
    const err = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'thr-env', OptionSettings: [threshold('Fine')] })).catch((e: Error) => e);
    expect((err as Error).name).toBe('InvalidParameterValue');
    expect((err as Error).message).toMatch(/HealthCheckSuccessThreshold.*\[Ok, Warning, Degraded, Severe\]/);
  });
});
