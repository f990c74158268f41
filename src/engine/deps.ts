import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DescribeBudget } from '../aws/describe-budget.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/** Everything the engine touches from outside, passed in so tests can use the real SDK on a local emulator and a fake clock where pure. */
export interface EngineDeps {
  eb: ElasticBeanstalkClient;
  /** The describe budget of `eb` (built with it on `clock`): every poller paces on it, the report reads it. */
  budget: DescribeBudget;
  s3: S3Client;
  clock: Clock;
  log: Logger;
  region: string;
}
