// Reading an environment, waiting for it to be Ready, and starting an update that survives the
// "Must be Ready" race (another deploy slipping in between our check and our call).
import {
  DescribeEnvironmentsCommand, UpdateEnvironmentCommand, type EnvironmentDescription, type ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { ConfigurationError, DeployFailedError, errorMessage } from '../config/errors.js';
import { errorName, withRetries, type RetryContext } from '../aws/retry.js';

export interface EbTarget {
  applicationName: string;
  environmentName: string;
}

export async function describeEnvironment(eb: ElasticBeanstalkClient, target: EbTarget, retry: RetryContext): Promise<EnvironmentDescription> {
  const res = await withRetries('DescribeEnvironments', retry, () =>
    eb.send(new DescribeEnvironmentsCommand({ ApplicationName: target.applicationName, EnvironmentNames: [target.environmentName], IncludeDeleted: false })),
  );
  const env = res.Environments?.find((e) => e.EnvironmentName === target.environmentName && e.Status !== 'Terminated');
  if (!env)
    throw new ConfigurationError(`input "environment-name": environment "${target.environmentName}" does not exist in application "${target.applicationName}"`);
  return env;
}

export function environmentUrl(env: EnvironmentDescription): string {
  const host = env.CNAME || env.EndpointURL;
  return host ? (host.startsWith('http') ? host : `http://${host}`) : '';
}

/** Polls (2 s, growing to 10 s) until Status is Ready; fails on Terminating or at `retry.deadline`. */
export async function waitForReady(eb: ElasticBeanstalkClient, target: EbTarget, retry: RetryContext): Promise<EnvironmentDescription> {
  const { deadline } = retry;
  let interval = 2000;
  let announced = false;
  for (;;) {
    const env = await describeEnvironment(eb, target, retry);
    if (env.Status === 'Ready') return env;
    if (env.Status === 'Terminating' || env.Status === 'Terminated')
      throw new DeployFailedError(`environment "${target.environmentName}" is ${env.Status}`);
    if (!announced) {
      retry.log.info(`environment "${target.environmentName}" is ${env.Status ?? 'busy'}; waiting for Ready (up to ${Math.round(deadline.remaining() / 1000)} s)`);
      announced = true;
    }
    if (deadline.passed())
      throw new DeployFailedError(`environment "${target.environmentName}" was still ${env.Status ?? 'busy'} after ${deadline.what}; nothing was deployed`);
    await retry.clock.sleep(Math.min(interval, deadline.remaining()));
    interval = Math.min(10_000, Math.round(interval * 1.5));
  }
}

export function isNotReadyError(err: unknown): boolean {
  return errorName(err) === 'InvalidParameterValue' && /Must be Ready|invalid state/i.test(errorMessage(err));
}

export interface UpdateStarted {
  requestId: string | undefined;
  startedAt: number;
  environment: EnvironmentDescription;
}

/** UpdateEnvironment to `label`; when EB answers "Must be Ready", wait for Ready again (until `retry.deadline`) and retry. */
export async function startUpdate(eb: ElasticBeanstalkClient, target: EbTarget, label: string, retry: RetryContext): Promise<UpdateStarted> {
  for (;;) {
    try {
      const startedAt = retry.clock.now();
      const res = await withRetries('UpdateEnvironment', retry, () =>
        eb.send(new UpdateEnvironmentCommand({ ApplicationName: target.applicationName, EnvironmentName: target.environmentName, VersionLabel: label })),
      );
      const { $metadata, ...environment } = res;
      return { requestId: $metadata.requestId, startedAt, environment };
    } catch (err) {
      if (!isNotReadyError(err)) throw err;
      retry.log.info(`another operation started on "${target.environmentName}" first (${errorMessage(err)}); waiting for it to finish`);
      await waitForReady(eb, target, retry);
    }
  }
}
