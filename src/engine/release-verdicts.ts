// The engine's side of the verified-release record (src/eb/release-record.ts): choose the rollback
// target before a deploy, and write the gate's verdict on the version after it. A verdict that
// cannot be written never changes the deploy's outcome; it is a loud warning instead.
import { DeployFailedError } from '../config/errors.js';
import type { EngineDeps } from './deps.js';
import type { DeployReport } from './report.js';
import type { EbTarget } from '../eb/environment.js';
import { chooseRollbackOperationTarget, chooseRollbackTarget, markVersion, newestVerified, readReleaseRecord, verdict, VERIFIED_TAG, FAILED_TAG, type RollbackTarget, type VersionRecord } from '../eb/release-record.js';
import { findVersion } from '../eb/versions.js';
import { retryUntil, type RetryContext } from '../aws/retry.js';

/** How long a verdict write keeps retrying throttling before it gives up. */
const VERDICT_WRITE_MS = 60_000;

/**
 * The target a failed deploy of `leaving` would return to, logged with the reason. `failingNow` is
 * the version the environment runs when it is Red before the deploy: verified once, failing now,
 * so not a target (the one verified before it is).
 */
export async function rollbackTargetFor(
  deps: EngineDeps,
  target: EbTarget,
  leaving: string | undefined,
  running: string | undefined,
  retry: RetryContext,
  failingNow?: string,
): Promise<RollbackTarget> {
  const avoid = (records: VersionRecord[]): VersionRecord[] => records.filter((v) => v.label !== failingNow);
  const versions = avoid(
    await readReleaseRecord(deps.eb, target.applicationName, retry, {
      always: [running, leaving],
      enough: (records) => newestVerified(avoid(records), target.environmentName, leaving) !== undefined,
    }),
  );
  const again = versions.find((v) => v.label === leaving);
  if (again && verdict(again, target.environmentName) === 'failed')
    deps.log.warning(`"${leaving ?? '?'}" failed its gate on "${target.environmentName}" before (tag ${FAILED_TAG}${target.environmentName}): deploying it again, gated the same way`);
  const choice = chooseRollbackTarget(versions, target.environmentName, leaving, failingNow ? undefined : running);
  if (failingNow && choice.label) choice.why = `${choice.why} ("${failingNow}", verified once, is Red on "${target.environmentName}" now)`;
  deps.log.info(choice.label ? `${choice.why}: that is the rollback target` : `${choice.why}: a failed deploy cannot be rolled back`);
  return choice;
}

export function noteTarget(report: DeployReport, choice: RollbackTarget): void {
  report.rollbackTarget = choice.label;
  report.rollbackTargetWhy = choice.why;
}

/** Tags `label` verified or failed on the environment; warns (never throws) when it cannot. */
export async function recordVerdict(deps: EngineDeps, target: EbTarget, label: string, passed: boolean, report: DeployReport): Promise<void> {
  const mark = passed ? 'verified' : 'failed';
  const key = (passed ? VERIFIED_TAG : FAILED_TAG) + target.environmentName;
  const retry = retryUntil(deps, VERDICT_WRITE_MS, 'the verdict write deadline');
  let error: string | undefined;
  try {
    const arn = (await findVersion(deps.eb, target.applicationName, label, retry))?.ApplicationVersionArn;
    if (arn) ({ error } = await markVersion(deps.eb, arn, target.environmentName, mark, retry));
    else error = `application version "${label}" has no ARN to tag`;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  if (error === undefined) {
    deps.log.info(`recorded "${label}" as ${mark} on "${target.environmentName}" (tag ${key})`);
    return;
  }
  const consequence = passed
    ? `the deploy stands, but later rollbacks will not know "${label}" is verified`
    : `later rollbacks still never choose it (it is not verified), but the record does not say it failed`;
  const message =
    `could not record "${label}" as ${mark} on "${target.environmentName}" (tag ${key}): ${error}. ` +
    `${consequence}. Grant elasticbeanstalk:AddTags, elasticbeanstalk:RemoveTags and elasticbeanstalk:ListTagsForResource (docs/iam-policy.json).`;
  report.recordWarnings.push(message);
  deps.log.warning(message);
}

/** For `rollback` without a label: the same rule, leaving the version the environment runs. */
export async function defaultRollbackLabel(deps: EngineDeps, target: EbTarget, running: string | undefined, retry: RetryContext): Promise<RollbackTarget> {
  const versions = await readReleaseRecord(deps.eb, target.applicationName, retry, {
    always: [running],
    enough: (records) => newestVerified(records, target.environmentName, running) !== undefined,
  });
  const choice = chooseRollbackOperationTarget(versions, target.environmentName, running);
  if (!choice.label) throw new DeployFailedError(`nothing to roll back to: ${choice.why}; name the version to roll back to (version-label)`);
  deps.log.info(choice.why);
  return choice;
}
