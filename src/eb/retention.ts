// Keep the newest N application versions. Never delete a version an environment runs (or is
// deploying), nor one the caller protects (the rollback target); optionally delete the bundles.
import {
  DeleteApplicationVersionCommand, DescribeApplicationVersionsCommand, DescribeEnvironmentsCommand,
  type ApplicationVersionDescription, type ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { withRetries, type RetryContext } from '../aws/retry.js';
import { errorMessage } from '../config/errors.js';

export interface PruneResult {
  deleted: string[];
  kept: number;
  protectedInUse: string[];
}

async function allVersions(eb: ElasticBeanstalkClient, app: string, retry: RetryContext): Promise<ApplicationVersionDescription[]> {
  const out: ApplicationVersionDescription[] = [];
  let token: string | undefined;
  do {
    const page = await withRetries('DescribeApplicationVersions', retry, () =>
      eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: app, MaxRecords: 1000, NextToken: token })),
    );
    out.push(...(page.ApplicationVersions ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

async function labelsInUse(eb: ElasticBeanstalkClient, app: string, retry: RetryContext): Promise<Set<string>> {
  const res = await withRetries('DescribeEnvironments', retry, () => eb.send(new DescribeEnvironmentsCommand({ ApplicationName: app, IncludeDeleted: false })));
  return new Set((res.Environments ?? []).filter((e) => e.Status !== 'Terminated').flatMap((e) => (e.VersionLabel ? [e.VersionLabel] : [])));
}

function bundleId(v: ApplicationVersionDescription): string {
  return `${v.SourceBundle?.S3Bucket ?? ''}/${v.SourceBundle?.S3Key ?? ''}`;
}

/** Pure choice of what to delete: oldest first beyond `keep`, skipping protected labels. */
export function chooseVersionsToDelete(versions: ApplicationVersionDescription[], keep: number, protectedLabels: Set<string>): string[] {
  const newestFirst = [...versions].sort((a, b) => (b.DateCreated?.getTime() ?? 0) - (a.DateCreated?.getTime() ?? 0));
  return newestFirst
    .slice(keep)
    .map((v) => v.VersionLabel ?? '')
    .filter((l) => l && !protectedLabels.has(l));
}

export async function pruneVersions(
  eb: ElasticBeanstalkClient,
  opts: { applicationName: string; keep: number; protectLabels: string[]; deleteSourceBundles: boolean },
  retry: RetryContext,
): Promise<PruneResult> {
  const versions = await allVersions(eb, opts.applicationName, retry);
  const inUse = await labelsInUse(eb, opts.applicationName, retry);
  const protectedLabels = new Set([...inUse, ...opts.protectLabels]);
  const toDelete = chooseVersionsToDelete(versions, opts.keep, protectedLabels);
  // Content-addressed keys mean two labels can share one bundle: keep a bundle a kept version uses.
  const doomed = new Set(toDelete);
  const keptKeys = new Set(versions.filter((v) => !doomed.has(v.VersionLabel ?? '')).map(bundleId));
  const deleted: string[] = [];
  for (const label of toDelete) {
    const version = versions.find((v) => v.VersionLabel === label);
    const deleteBundle = opts.deleteSourceBundles && version !== undefined && !keptKeys.has(bundleId(version));
    try {
      await withRetries('DeleteApplicationVersion', retry, () =>
        eb.send(new DeleteApplicationVersionCommand({ ApplicationName: opts.applicationName, VersionLabel: label, DeleteSourceBundle: deleteBundle })),
      );
      deleted.push(label);
    } catch (err) {
      // One version that can't go (e.g. an environment started using it a moment ago) must not stop the rest.
      retry.log.warning(`could not delete application version "${label}": ${errorMessage(err)}`);
    }
  }
  retry.log.info(
    `pruned ${deleted.length} application version(s) of "${opts.applicationName}" (keeping the newest ${opts.keep}` +
      `${protectedLabels.size ? `; protected: ${[...protectedLabels].join(', ')}` : ''})`,
  );
  return { deleted, kept: versions.length - deleted.length, protectedInUse: [...inUse] };
}
