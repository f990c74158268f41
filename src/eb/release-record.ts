// The record of verified releases: EB resource tags on application versions, so it lives in AWS,
// survives the job and every tool sees it (`aws elasticbeanstalk list-tags-for-resource`).
//
//   eb-pipeline:verified:<environment> = <ISO time>   the version passed the gate there at that time
//   eb-pipeline:failed:<environment>   = <ISO time>   the version failed its gate there at that time
//
// Writing one mark removes the other for that environment, so the latest verdict is the one that
// stands. One rule chooses a rollback target everywhere (a failed deploy, the rollback action's
// default, what pruning keeps): the version most recently verified on the environment, other than
// the one being left; a failed or unverified version never, while the environment has a record.
import {
  DescribeApplicationVersionsCommand, ListTagsForResourceCommand, UpdateTagsForResourceCommand,
  type ApplicationVersionDescription, type ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { errorName, withRetries, type RetryContext } from '../aws/retry.js';
import { errorMessage } from '../config/errors.js';

export const VERIFIED_TAG = 'eb-pipeline:verified:';
export const FAILED_TAG = 'eb-pipeline:failed:';

/** What the record says about one version. Times are epoch ms; per environment name. */
export interface VersionRecord {
  label: string;
  arn: string | undefined;
  created: number;
  processed: boolean;
  verified: Map<string, number>;
  failed: Map<string, number>;
}

export interface RollbackTarget {
  label: string | undefined;
  /** `verified`: from the record; `running`: the environment has no record, so what it ran before. */
  basis: 'verified' | 'running' | 'none';
  /** One sentence for the log and the summary. */
  why: string;
}

/** The verdict that stands for `label` on `environment`: the later of the two marks. */
export function verdict(v: VersionRecord, environment: string): 'verified' | 'failed' | undefined {
  const ok = v.verified.get(environment);
  const bad = v.failed.get(environment);
  if (ok === undefined && bad === undefined) return undefined;
  return (ok ?? -Infinity) > (bad ?? -Infinity) ? 'verified' : 'failed';
}

/** The newest version verified on `environment` other than `leaving`, or undefined. */
export function newestVerified(versions: VersionRecord[], environment: string, leaving?: string): VersionRecord | undefined {
  return versions
    .filter((v) => v.label !== leaving && v.processed && verdict(v, environment) === 'verified')
    .sort((a, b) => (b.verified.get(environment) ?? 0) - (a.verified.get(environment) ?? 0) || b.created - a.created)[0];
}

/**
 * The rollback target for a deploy of `leaving` on `environment`, which ran `running` before.
 * With a record: the newest verified version other than `leaving` (an interrupted earlier run that
 * left `leaving` live and unverified changes nothing). Without one (the suite adopted on an
 * existing environment): the version running before, unless it is `leaving` or marked failed.
 */
export function chooseRollbackTarget(versions: VersionRecord[], environment: string, leaving: string | undefined, running: string | undefined): RollbackTarget {
  const best = newestVerified(versions, environment, leaving);
  if (best) return { label: best.label, basis: 'verified', why: `"${best.label}" is the version last verified healthy on "${environment}"` };
  const hasRecord = versions.some((v) => verdict(v, environment) === 'verified');
  if (hasRecord) return { label: undefined, basis: 'none', why: `no version other than "${leaving ?? '?'}" is verified healthy on "${environment}"` };
  const runningRecord = versions.find((v) => v.label === running);
  if (!running || running === leaving) return { label: undefined, basis: 'none', why: `"${environment}" has no verified-release record and runs no other version` };
  if (runningRecord && verdict(runningRecord, environment) === 'failed')
    return { label: undefined, basis: 'none', why: `"${environment}" has no verified-release record and the version it runs, "${running}", failed its gate` };
  return {
    label: running,
    basis: 'running',
    why: `"${environment}" has no verified-release record yet (no version carries ${VERIFIED_TAG}${environment}): falling back to the version it runs, "${running}"`,
  };
}

/**
 * The rollback action's default: leave the version the environment runs for the newest verified
 * other one. When none is verified there, there is no default: a guess could be a version this
 * environment never ran (a dev build, in an application shared with production), so the caller
 * must name one; the newest older version that did not fail here is offered as a hint.
 */
export function chooseRollbackOperationTarget(versions: VersionRecord[], environment: string, running: string | undefined): RollbackTarget {
  const best = newestVerified(versions, environment, running);
  if (best) return { label: best.label, basis: 'verified', why: `"${best.label}" is the newest version verified healthy on "${environment}" other than "${running ?? '?'}"` };
  const cutoff = versions.find((v) => v.label === running)?.created ?? Infinity;
  const older = versions
    .filter((v) => v.label !== running && v.processed && v.created < cutoff && verdict(v, environment) !== 'failed')
    .sort((a, b) => b.created - a.created)[0];
  const hint = older ? ` (the newest older version that did not fail there is "${older.label}", not verified on "${environment}")` : '';
  return { label: undefined, basis: 'none', why: `no version other than "${running ?? '?'}" is verified healthy on "${environment}"${hint}` };
}

/** A mark dated further ahead than this is not believed (a forged tag, or a runner whose clock runs fast). */
export const MARK_CLOCK_SKEW_MS = 5 * 60_000;

/** The marks with `prefix` by environment; marks that are not a time or are dated in the future are reported and ignored. */
function parseMarks(tags: { Key?: string | undefined; Value?: string | undefined }[], prefix: string, now: number, ignored: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of tags) {
    if (!t.Key?.startsWith(prefix)) continue;
    const at = Date.parse(t.Value ?? '');
    if (Number.isNaN(at)) ignored.push(`${t.Key}=${t.Value ?? ''} (not a time)`);
    else if (at > now + MARK_CLOCK_SKEW_MS) ignored.push(`${t.Key}=${t.Value ?? ''} (dated in the future)`);
    else out.set(t.Key.slice(prefix.length), at);
  }
  return out;
}

/** All the application's versions, newest first. */
export async function listVersions(eb: ElasticBeanstalkClient, app: string, retry: RetryContext): Promise<ApplicationVersionDescription[]> {
  const out: ApplicationVersionDescription[] = [];
  let token: string | undefined;
  do {
    const page = await withRetries('DescribeApplicationVersions', retry, () =>
      eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: app, MaxRecords: 1000, NextToken: token })),
    );
    out.push(...(page.ApplicationVersions ?? []));
    token = page.NextToken;
  } while (token);
  return out.sort((a, b) => (b.DateCreated?.getTime() ?? 0) - (a.DateCreated?.getTime() ?? 0));
}

/** How many ListTagsForResource calls run at once. */
const PARALLEL_READS = 4;

/** The record is read this many versions at a time, newest first. */
export const RECORD_PAGE = 100;

/**
 * The application's versions with their marks, newest first. Tags are read a page of versions at a
 * time, newest first (the versions in `always` with the first page), until `enough` says the
 * record answers the question asked; without `enough`, all of them. A deploy need not walk a
 * thousand versions when the last verified one is recent, and never stops short of an older one.
 */
export async function readReleaseRecord(
  eb: ElasticBeanstalkClient,
  app: string,
  retry: RetryContext,
  opts: { enough?: (records: VersionRecord[]) => boolean; always?: (string | undefined)[] } = {},
): Promise<VersionRecord[]> {
  const all = await listVersions(eb, app, retry);
  const first = all.filter((v, i) => i < RECORD_PAGE || opts.always?.includes(v.VersionLabel));
  let rest = all.filter((v) => !first.includes(v));
  const records = await recordOf(eb, first, retry);
  while (rest.length > 0 && !(opts.enough?.(records) ?? false)) {
    records.push(...(await recordOf(eb, rest.slice(0, RECORD_PAGE), retry)));
    rest = rest.slice(RECORD_PAGE);
  }
  if (rest.length > 0) retry.log.debug(`read the verified-release record of the ${records.length} newest of ${all.length} versions of "${app}": enough to decide`);
  return records.sort((a, b) => b.created - a.created);
}

/** A version whose tags cannot be read for these reasons is left out of the record (gone, or a label EB cannot name in an ARN). */
const UNREADABLE = new Set(['ResourceNotFoundException', 'InvalidParameterValue', 'ResourceTypeNotSupportedException']);

/** The marks on the given versions (one ListTagsForResource each, a few at a time). */
export async function recordOf(eb: ElasticBeanstalkClient, versions: ApplicationVersionDescription[], retry: RetryContext): Promise<VersionRecord[]> {
  const records: VersionRecord[] = versions.map((v) => ({
    label: v.VersionLabel ?? '',
    arn: v.ApplicationVersionArn,
    created: v.DateCreated?.getTime() ?? 0,
    processed: (v.Status ?? '').toUpperCase() === 'PROCESSED',
    verified: new Map(),
    failed: new Map(),
  }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < records.length) {
      const record = records[next++]!;
      if (!record.arn) continue; // EB always returns the ARN; without it there is nothing to read
      let tags;
      try {
        tags = (await withRetries('ListTagsForResource', retry, () => eb.send(new ListTagsForResourceCommand({ ResourceArn: record.arn })))).ResourceTags ?? [];
      } catch (err) {
        if (!UNREADABLE.has(errorName(err))) throw err;
        // Deleted since the list (a concurrent prune), or unreadable: counted as unverified, never as a target.
        record.processed = false;
        retry.log.debug(`the record of version "${record.label}" cannot be read (${errorMessage(err)}): it is not a rollback target`);
        continue;
      }
      const ignored: string[] = [];
      record.verified = parseMarks(tags, VERIFIED_TAG, retry.clock.now(), ignored);
      record.failed = parseMarks(tags, FAILED_TAG, retry.clock.now(), ignored);
      if (ignored.length > 0) retry.log.warning(`ignored marks on version "${record.label}" that cannot be true: ${ignored.join(', ')}`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_READS }, worker));
  return records;
}

/**
 * Marks `label` verified (or failed) on `environment` now. Retries throttling and 5xx until the
 * deadline; any other failure (no AddTags/RemoveTags permission...) is returned, not thrown: the
 * deploy's outcome stands, the caller says loudly that the record is missing.
 */
export async function markVersion(
  eb: ElasticBeanstalkClient,
  arn: string,
  environment: string,
  mark: 'verified' | 'failed',
  retry: RetryContext,
): Promise<{ written: boolean; error?: string }> {
  const [set, clear] = mark === 'verified' ? [VERIFIED_TAG, FAILED_TAG] : [FAILED_TAG, VERIFIED_TAG];
  try {
    await withRetries('UpdateTagsForResource', retry, () =>
      eb.send(
        new UpdateTagsForResourceCommand({
          ResourceArn: arn,
          TagsToAdd: [{ Key: set + environment, Value: new Date(retry.clock.now()).toISOString() }],
          TagsToRemove: [clear + environment],
        }),
      ),
    );
    return { written: true };
  } catch (err) {
    return { written: false, error: errorMessage(err) };
  }
}
