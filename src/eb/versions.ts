// Application versions: create with Process=true and wait for Processed, reuse an identical one,
// refuse a label that already names different bytes, and watch the account's version quota.
import {
  CreateApplicationVersionCommand, DescribeAccountAttributesCommand, DescribeApplicationVersionsCommand, DescribeEventsCommand,
  type ApplicationVersionDescription, type ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { DeployFailedError, errorMessage } from '../config/errors.js';
import { errorName, withRetries, type RetryContext } from '../aws/retry.js';
import type { MeteredEb } from '../aws/describe-budget.js';

export interface VersionSpec {
  applicationName: string;
  label: string;
  description: string;
  bucket: string;
  key: string;
}

export async function findVersion(eb: ElasticBeanstalkClient, app: string, label: string, retry: RetryContext): Promise<ApplicationVersionDescription | undefined> {
  const res = await withRetries('DescribeApplicationVersions', retry, () =>
    eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: app, VersionLabels: [label] })),
  );
  return res.ApplicationVersions?.find((v) => v.VersionLabel === label);
}

async function failureReason(eb: ElasticBeanstalkClient, app: string, label: string, retry: RetryContext): Promise<string> {
  try {
    const res = await withRetries('DescribeEvents', retry, () =>
      eb.send(new DescribeEventsCommand({ ApplicationName: app, VersionLabel: label, MaxRecords: 20 })),
    );
    const messages = (res.Events ?? []).filter((e) => e.Severity === 'ERROR' || e.Severity === 'WARN').map((e) => e.Message ?? '');
    return messages.length ? messages.join(' | ') : 'Elastic Beanstalk gave no reason';
  } catch (err) {
    return `could not read the reason: ${errorMessage(err)}`;
  }
}

function status(v: ApplicationVersionDescription): string {
  return (v.Status ?? 'Unprocessed').toUpperCase();
}

/** EB processes a version in seconds: a steady 1 s poll sees it done within a second. */
export const PROCESSING_POLL_MS = 1000;

/** Polls until the version is Processed, within the describe budget, until `retry.deadline`. */
async function waitProcessed({ eb, budget }: MeteredEb, spec: VersionSpec, retry: RetryContext): Promise<void> {
  const { deadline } = retry;
  for (;;) {
    const v = await findVersion(eb, spec.applicationName, spec.label, retry);
    if (!v) throw new DeployFailedError(`application version "${spec.label}" disappeared while it was being processed`);
    if (status(v) === 'PROCESSED') return;
    if (status(v) === 'FAILED') {
      const reason = await failureReason(eb, spec.applicationName, spec.label, retry);
      throw new DeployFailedError(`Elastic Beanstalk could not process application version "${spec.label}": ${reason}. The environment was not touched.`);
    }
    if (deadline.passed()) throw new DeployFailedError(`application version "${spec.label}" was still ${v.Status ?? 'unprocessed'} after ${deadline.what}`);
    // The same describe budget as the gate: a long processing slows down to the average rate.
    await retry.clock.sleep(Math.min(Math.max(PROCESSING_POLL_MS, budget.delayFor(1)), deadline.remaining()));
  }
}

function sameBundle(v: ApplicationVersionDescription, spec: VersionSpec): boolean {
  return v.SourceBundle?.S3Bucket === spec.bucket && v.SourceBundle?.S3Key === spec.key;
}

function refuse(v: ApplicationVersionDescription, spec: VersionSpec): DeployFailedError {
  return new DeployFailedError(
    `version label "${spec.label}" already exists in "${spec.applicationName}" with a different bundle ` +
      `(s3://${v.SourceBundle?.S3Bucket ?? '?'}/${v.SourceBundle?.S3Key ?? '?'}, not s3://${spec.bucket}/${spec.key}); ` +
      'refusing to reuse it — choose another version-label, or leave it empty to derive one from the commit and the bundle',
  );
}

/** Returns whether an existing identical version was reused; waits for processing until `retry.deadline`. */
export async function ensureVersion(client: MeteredEb, spec: VersionSpec, retry: RetryContext): Promise<{ reused: boolean }> {
  const { eb } = client;
  const existing = await findVersion(eb, spec.applicationName, spec.label, retry);
  if (existing) {
    if (!sameBundle(existing, spec)) throw refuse(existing, spec);
    retry.log.info(`application version "${spec.label}" already exists with this bundle (${existing.Status ?? '?'}): reusing it`);
    await waitProcessed(client, spec, retry);
    return { reused: true };
  }
  try {
    await withRetries('CreateApplicationVersion', retry, () =>
      eb.send(
        new CreateApplicationVersionCommand({
          ApplicationName: spec.applicationName,
          VersionLabel: spec.label,
          Description: spec.description || undefined,
          SourceBundle: { S3Bucket: spec.bucket, S3Key: spec.key },
          Process: true,
          AutoCreateApplication: false,
        }),
      ),
    );
  } catch (err) {
    if (errorName(err) === 'TooManyApplicationVersionsException')
      throw new DeployFailedError(`the account's application version quota is full (${errorMessage(err)}): set keep-versions to prune old versions`);
    // Another run created the same label between our look and our call.
    const raced = /already exists/i.test(errorMessage(err)) ? await findVersion(eb, spec.applicationName, spec.label, retry) : undefined;
    if (!raced) throw err;
    if (!sameBundle(raced, spec)) throw refuse(raced, spec);
  }
  retry.log.info(`created application version "${spec.label}" from s3://${spec.bucket}/${spec.key}; waiting for processing`);
  await waitProcessed(client, spec, retry);
  retry.log.info(`application version "${spec.label}" is Processed`);
  return { reused: false };
}

export interface QuotaUse {
  used: number;
  maximum: number;
}

/** Versions across all applications vs the account's quota; undefined when it can't be read. */
export async function versionQuota(eb: ElasticBeanstalkClient, retry: RetryContext): Promise<QuotaUse | undefined> {
  try {
    const attrs = await withRetries('DescribeAccountAttributes', retry, () => eb.send(new DescribeAccountAttributesCommand({})));
    const maximum = attrs.ResourceQuotas?.ApplicationVersionQuota?.Maximum;
    if (!maximum) return undefined;
    let used = 0;
    let token: string | undefined;
    do {
      const page = await withRetries('DescribeApplicationVersions', retry, () =>
        eb.send(new DescribeApplicationVersionsCommand({ MaxRecords: 1000, NextToken: token })),
      );
      used += page.ApplicationVersions?.length ?? 0;
      token = page.NextToken;
    } while (token);
    return { used, maximum };
  } catch (err) {
    retry.log.debug(`could not read the application version quota: ${errorMessage(err)}`);
    return undefined;
  }
}

export function nearQuota(q: QuotaUse): boolean {
  return q.used >= Math.floor(q.maximum * 0.9);
}
