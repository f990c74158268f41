// The one place AWS clients are built. Endpoints are never set here: the SDK reads
// AWS_ENDPOINT_URL_ELASTIC_BEANSTALK / AWS_ENDPOINT_URL_S3 by itself, which is how the tests
// and the local demo reach the emulator without any hook in production code. The describe budget
// is built here on the caller's clock and travels with the EB client it meters.
import { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../config/errors.js';
import { PACKAGE_VERSION, USER_AGENT_NAME } from '../version.js';
import type { Clock } from '../engine/clock.js';
import { DescribeBudget } from './describe-budget.js';

export interface AwsClients {
  eb: ElasticBeanstalkClient;
  s3: S3Client;
  region: string;
  /** Counts `eb`'s describe calls from the moment the clients exist: the run's budget. */
  budget: DescribeBudget;
}

export function resolveRegion(region: string | undefined): string {
  const r = region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (!r) throw new ConfigurationError('input "region" is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set: expected a region like "us-east-1"');
  return r;
}

export function createAwsClients(opts: { region: string | undefined; clock: Clock; maxAttempts?: number }): AwsClients {
  const region = resolveRegion(opts.region);
  const common = {
    region,
    // The SDK's standard strategy retries Throttling and 5xx with jittered exponential backoff;
    // the engine adds its own, deadline-bounded retries on top for long throttling spells.
    retryMode: 'standard',
    maxAttempts: opts.maxAttempts ?? 5,
    customUserAgent: [[USER_AGENT_NAME, PACKAGE_VERSION]] as [string, string][],
    // A stalled connection must not hang a deploy: every request has a time limit.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
  };
  const eb = new ElasticBeanstalkClient(common);
  // The describe budget starts with the client, before any call.
  const budget = new DescribeBudget(opts.clock);
  budget.meter(eb);
  return {
    eb,
    s3: new S3Client({ ...common, requestHandler: { connectionTimeout: 10_000, requestTimeout: 300_000, throwOnRequestTimeout: true } }),
    region,
    budget,
  };
}
