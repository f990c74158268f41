// Keep the newest N application versions. Never delete a version any environment of the
// application runs (or is deploying), nor the rollback target of any of them (its newest verified
// version, src/eb/release-record.ts), nor one the caller protects; optionally delete the bundles.
import {
  DeleteApplicationVersionCommand, DescribeApplicationsCommand, DescribeEnvironmentsCommand,
  type ApplicationVersionDescription, type ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { withRetries, type RetryContext } from '../aws/retry.js';
import { ConfigurationError, errorMessage } from '../config/errors.js';
import { listVersions, newestVerified, recordOf, type VersionRecord } from './release-record.js';

export interface PruneResult {
  deleted: string[];
  kept: number;
  /** Label → why it was kept whatever its age ("runs on dev", "rollback target of prod", "protected"). */
  protectedLabels: Map<string, string>;
}

async function requireApplication(eb: ElasticBeanstalkClient, app: string, retry: RetryContext): Promise<void> {
  const res = await withRetries('DescribeApplications', retry, () => eb.send(new DescribeApplicationsCommand({ ApplicationNames: [app] })));
  if (!res.Applications?.some((a) => a.ApplicationName === app))
    throw new ConfigurationError(`input "application-name": application "${app}" does not exist in this region: nothing to prune`);
}

/** Every live environment of the application: the version it runs, and the one it would roll back to. */
async function protectedByEnvironments(eb: ElasticBeanstalkClient, app: string, record: VersionRecord[], retry: RetryContext): Promise<Map<string, string>> {
  const res = await withRetries('DescribeEnvironments', retry, () => eb.send(new DescribeEnvironmentsCommand({ ApplicationName: app, IncludeDeleted: false })));
  const why = new Map<string, string>();
  for (const env of (res.Environments ?? []).filter((e) => e.Status !== 'Terminated')) {
    const name = env.EnvironmentName ?? '';
    if (env.VersionLabel) why.set(env.VersionLabel, `runs on ${name}`);
    const target = newestVerified(record, name, env.VersionLabel);
    if (target && !why.has(target.label)) why.set(target.label, `rollback target of ${name}`);
  }
  return why;
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
  await requireApplication(eb, opts.applicationName, retry);
  const versions = await listVersions(eb, opts.applicationName, retry);
  const record = await recordOf(eb, versions, retry);
  const protectedLabels = await protectedByEnvironments(eb, opts.applicationName, record, retry);
  for (const label of opts.protectLabels) if (!protectedLabels.has(label)) protectedLabels.set(label, 'protected');
  const toDelete = chooseVersionsToDelete(versions, opts.keep, new Set(protectedLabels.keys()));
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
  const kept = [...protectedLabels].map(([label, why]) => `${label} (${why})`).join(', ');
  retry.log.info(`pruned ${deleted.length} application version(s) of "${opts.applicationName}" (keeping the newest ${opts.keep}${kept ? `; also kept: ${kept}` : ''})`);
  return { deleted, kept: versions.length - deleted.length, protectedLabels };
}
