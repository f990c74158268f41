// Deployment policies as the load balancer's clients see them: requests sent through it during each
// deploy (one after another, loopback only) count 503s and which version answered.
import { DescribeEventsCommand, DescribeInstancesHealthCommand, UpdateEnvironmentCommand, type ConfigurationOptionSetting } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, createTestVersion, describeEnv, useEmulator, waitFor } from '../support/emulator.js';
import type { TestAppOptions } from '../support/test-app.js';
import { answer, tally, trafficDuring } from '../support/traffic.js';

const h = useEmulator({ timeScale: 0.02 });

async function instanceVersions(env: string): Promise<(string | undefined)[]> {
  const out = await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: env, AttributeNames: ['Deployment'] }));
  return (out.InstanceHealthList ?? []).map((i) => i.Deployment?.VersionLabel);
}

async function messages(requestId: string | undefined): Promise<string[]> {
  return ((await h.eb.send(new DescribeEventsCommand({ RequestId: requestId }))).Events ?? []).reverse().map((e) => e.Message ?? '');
}

/** Deploys `label` to `env` and waits until the update has ended (Ready, whatever version). */
async function deploy(env: string, label: string, optionSettings: ConfigurationOptionSetting[] = []): Promise<{ requestId: string | undefined; ms: number }> {
  const started = Date.now();
  const update = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: env, VersionLabel: label, OptionSettings: optionSettings }));
  await waitFor(`${env} updated`, () => describeEnv(h.eb, env), (e) => e.Status === 'Ready', 50_000, 50);
  return { requestId: update.$metadata.requestId, ms: Date.now() - started };
}

async function setUp(name: string, opts: Omit<TestAppOptions, 'version'>): Promise<string> {
  const env = await createEnvironmentReady(h, { app: name, env: `${name}-env`, label: 'v1', appOptions: opts });
  await createTestVersion(h, name, 'v2', opts);
  return env.CNAME ?? '';
}

describe('capacity through the load balancer', () => {
  it('RollingWithAdditionalBatch launches the extra batch first: no 503s on a one-instance environment', async () => {
    const cname = await setUp('extra', { deploymentPolicy: 'RollingWithAdditionalBatch', instances: 1 });
    const { result, counts, total } = await trafficDuring(cname, deploy('extra-env', 'v2'));
    console.log(`RollingWithAdditionalBatch, 1 instance: ${total} requests in ${result.ms} ms: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['v1', 'v2']);
    expect(total).toBeGreaterThanOrEqual(50);
    const events = await messages(result.requestId);
    const launched = events.findIndex((m) => m.startsWith('Launching an additional batch of 1 instance(s)'));
    const firstBatch = events.findIndex((m) => m.startsWith('Batch 1: Starting application deployment'));
    expect(launched).toBeGreaterThanOrEqual(0);
    expect(launched).toBeLessThan(firstBatch);
    expect(events).toEqual(expect.arrayContaining([expect.stringMatching(/^Terminating the additional batch/), 'Environment update completed successfully.']));
    expect(await instanceVersions('extra-env')).toEqual(['v2']);
    expect((await describeEnv(h.eb, 'extra-env')).VersionLabel).toBe('v2');
  });

  it('Rolling on a one-instance environment takes it out of service: 503s while its batch deploys', async () => {
    const cname = await setUp('inplace', { deploymentPolicy: 'Rolling', instances: 1 });
    const { result, counts, total } = await trafficDuring(cname, deploy('inplace-env', 'v2'), 20);
    console.log(`Rolling, 1 instance: ${total} requests in ${result.ms} ms: ${JSON.stringify(counts)}`);
    expect(counts['HTTP 503']).toBeGreaterThan(0);
    expect(await instanceVersions('inplace-env')).toEqual(['v2']);
  });

  it('Immutable: one new instance first, then the rest, serving alongside the old ones: no 503s', async () => {
    const cname = await setUp('imm', { deploymentPolicy: 'Immutable', instances: 2 });
    const { result, counts, total } = await trafficDuring(cname, deploy('imm-env', 'v2'));
    console.log(`Immutable, 2 instances: ${total} requests in ${result.ms} ms: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['v1', 'v2']);
    const events = await messages(result.requestId);
    expect(events).toEqual(expect.arrayContaining([
      'Immutable deployment policy enabled. Launching one instance with the new settings to verify health.',
      'Launching 1 more instance(s) with the new settings in the temporary auto scaling group.',
      'Environment update completed successfully.',
    ]));
    expect(await instanceVersions('imm-env')).toEqual(['v2', 'v2']);
  });
});

describe('TrafficSplitting', () => {
  const split = (percent: number, minutes: number): ConfigurationOptionSetting[] => [
    { Namespace: 'aws:elasticbeanstalk:trafficsplitting', OptionName: 'NewVersionPercent', Value: String(percent) },
    { Namespace: 'aws:elasticbeanstalk:trafficsplitting', OptionName: 'EvaluationTime', Value: String(minutes) },
  ];

  it('sends NewVersionPercent of the requests to the new instances while evaluating, then all of them', async () => {
    const cname = await setUp('canary', { deploymentPolicy: 'TrafficSplitting', instances: 1 });
    const update = h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'canary-env', VersionLabel: 'v2', OptionSettings: split(20, 5) }));
    // The split starts once the new instance is in service: the first answer from v2.
    await waitFor('a v2 answer', () => answer(cname), (v) => v === 'v2', 50_000, 20);
    const during = await tally(cname, 100);
    // Two instances (old and new) after the sample: the evaluation was still running throughout it.
    expect(await instanceVersions('canary-env')).toHaveLength(2);
    console.log(`TrafficSplitting 20 %, during evaluation: ${JSON.stringify(during)}`);
    expect(during).toEqual({ v1: 80, v2: 20 });
    const events = await messages((await update).$metadata.requestId);
    expect(events).toContainEqual(expect.stringMatching(/^Sending 20 % of the traffic to the new instance\(s\) \[i-[0-9a-f]+\]; evaluating their health for 5 minute\(s\)\.$/));
    await waitFor('canary-env Ready on v2', () => describeEnv(h.eb, 'canary-env'), (e) => e.Status === 'Ready' && e.VersionLabel === 'v2', 50_000);
    const after = await tally(cname, 50);
    console.log(`TrafficSplitting 20 %, after: ${JSON.stringify(after)}`);
    expect(after).toEqual({ v2: 50 });
    expect(await instanceVersions('canary-env')).toEqual(['v2']);
  });

  it('rolls back when the new instances fail health checks during the evaluation, without a failed request', async () => {
    await createTestVersion(h, 'canary', 'v3', { deploymentPolicy: 'TrafficSplitting', instances: 1, mode: 'unhealthy' });
    const cname = (await describeEnv(h.eb, 'canary-env')).CNAME ?? '';
    const { result, counts, total } = await trafficDuring(cname, deploy('canary-env', 'v3', split(50, 3)));
    console.log(`TrafficSplitting 50 %, unhealthy version: ${total} requests in ${result.ms} ms: ${JSON.stringify(counts)}`);
    // The failing canary never passes the load balancer's health check, so it never gets a request.
    expect(counts).toEqual({ v2: total });
    const env = await describeEnv(h.eb, 'canary-env');
    expect(env.VersionLabel).toBe('v2');
    expect(await instanceVersions('canary-env')).toEqual(['v2']);
    const events = await messages(result.requestId);
    expect(events).toEqual(expect.arrayContaining([
      'Moving all traffic back to the old instance(s).',
      expect.stringMatching(/in the temporary auto scaling group did not pass health checks during the 3-minute evaluation/),
      'Failed to deploy application.',
    ]));
  });
});
