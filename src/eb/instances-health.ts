// Every instance's health and deployed version, as DescribeInstancesHealth tells it — the one
// reader the gate, the rollback's "already back?" check and `status` share. Without enhanced
// health EB refuses the call (InvalidRequestException): that is an answer (undefined), not an error.
import { DescribeInstancesHealthCommand, type ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { errorName, withRetries, type RetryContext } from '../aws/retry.js';
import type { InstanceState } from './gate.js';

export interface InstancesHealth {
  instances: InstanceState[];
  /** RefreshedAt of the EB health report the answer comes from, ms since the epoch. */
  refreshedAt: number | undefined;
}

/** The instances of `environmentName`; undefined when enhanced health is off. */
export async function readInstancesHealth(eb: ElasticBeanstalkClient, environmentName: string, retry: RetryContext): Promise<InstancesHealth | undefined> {
  try {
    const res = await withRetries('DescribeInstancesHealth', retry, () =>
      eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: environmentName, AttributeNames: ['HealthStatus', 'Color', 'Deployment', 'Causes', 'RefreshedAt'] })),
    );
    return {
      instances: (res.InstanceHealthList ?? []).map((i) => ({ id: i.InstanceId ?? '?', healthStatus: i.HealthStatus, color: i.Color, versionLabel: i.Deployment?.VersionLabel })),
      refreshedAt: res.RefreshedAt?.getTime(),
    };
  } catch (err) {
    if (errorName(err) === 'InvalidRequestException') return undefined;
    throw err;
  }
}
