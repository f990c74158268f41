// DescribeEnvironmentHealth / DescribeInstancesHealth honour AttributeNames as the EB API reference
// says (none → the environment's name / the instance list only; All; a subset), and the engine asks
// for every attribute it reads — checked through the SDK against the emulator.
import { DescribeEnvironmentHealthCommand, DescribeInstancesHealthCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { DescribeBudget } from '../../src/aws/describe-budget.js';
import { systemClock } from '../../src/engine/clock.js';
import { MemoryLogger } from '../../src/engine/logger.js';
import { environmentStatus } from '../../src/engine/operations.js';
import { createEnvironmentReady, useEmulator } from '../support/emulator.js';

const h = useEmulator({ timeScale: 0.01 });
const ENV = 'attrs-dev';

/** The reply's members, without the SDK's $metadata. */
const members = (out: object): string[] => Object.keys(out).filter((k) => k !== '$metadata').sort();

describe('health calls and AttributeNames', () => {
  it('DescribeEnvironmentHealth: the name only without AttributeNames, everything with All, a subset as asked', async () => {
    await createEnvironmentReady(h, { app: 'attrs', env: ENV, label: 'v1' });
    const none = await h.eb.send(new DescribeEnvironmentHealthCommand({ EnvironmentName: ENV }));
    expect(members(none)).toEqual(['EnvironmentName']);
    expect(none.EnvironmentName).toBe(ENV);

    const all = await h.eb.send(new DescribeEnvironmentHealthCommand({ EnvironmentName: ENV, AttributeNames: ['All'] }));
    expect(members(all)).toEqual(['ApplicationMetrics', 'Causes', 'Color', 'EnvironmentName', 'HealthStatus', 'InstancesHealth', 'RefreshedAt', 'Status']);

    const some = await h.eb.send(new DescribeEnvironmentHealthCommand({ EnvironmentName: ENV, AttributeNames: ['Color', 'RefreshedAt'] }));
    expect(members(some)).toEqual(['Color', 'EnvironmentName', 'RefreshedAt']);
    expect(some.Color).toBe('Green');
  });

  it('DescribeInstancesHealth: instance ids only without AttributeNames, everything with All, a subset as asked', async () => {
    const none = await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: ENV }));
    expect(members(none)).toEqual(['InstanceHealthList']);
    expect(none.InstanceHealthList?.map(members)).toEqual([['InstanceId']]);

    const all = await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: ENV, AttributeNames: ['All'] }));
    expect(members(all)).toEqual(['InstanceHealthList', 'RefreshedAt']);
    const instance = all.InstanceHealthList?.[0] ?? {};
    expect(members(instance)).toEqual(['ApplicationMetrics', 'AvailabilityZone', 'Causes', 'Color', 'Deployment', 'HealthStatus', 'InstanceId', 'InstanceType', 'LaunchedAt', 'System']);
    expect(instance.System?.LoadAverage).toHaveLength(3);
    expect(instance.System?.CPUUtilization?.Idle).toBeGreaterThanOrEqual(0);
    expect(instance.ApplicationMetrics?.Duration).toBe(10);

    const some = await h.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: ENV, AttributeNames: ['Deployment', 'HealthStatus'] }));
    expect(members(some)).toEqual(['InstanceHealthList']);
    expect(some.InstanceHealthList?.map(members)).toEqual([['Deployment', 'HealthStatus', 'InstanceId']]);
    expect(some.InstanceHealthList?.[0]?.Deployment?.VersionLabel).toBe('v1');
  });

  it('the engine asks for what it reads: environmentStatus gets each instance\'s health, color and version', async () => {
    const status = await environmentStatus({ eb: h.eb, budget: new DescribeBudget(systemClock), s3: h.s3, clock: systemClock, log: new MemoryLogger(), region: 'us-east-1' }, { applicationName: 'attrs', environmentName: ENV });
    expect(status.instances).toHaveLength(1);
    expect(status.instances?.[0]).toMatchObject({ healthStatus: 'Ok', color: 'Green', versionLabel: 'v1' });
    expect(status.instances?.[0]?.id).toMatch(/^i-/);
  });
});
