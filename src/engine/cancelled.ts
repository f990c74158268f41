// The post step of a cancelled job (`post-if: cancelled()`), given the update the main step saved
// just before its last UpdateEnvironment. A deploy's own update is aborted, so the environment goes
// back to what it ran. A deploy whose update had already finished (cancelled while its gate held
// the stability window, or after the gate failed and before the rollback started) left a version
// live that no gate passed: the post step sends the environment back to the deploy's rollback
// target (the version last verified there), as the main step would have. A rollback is a repair:
// it is never aborted — aborting it would leave the broken release live — so the post step leaves
// it running and waits (bounded) to say how it ended.
// A post step only warns (it never fails the job); anything left not healthy is a warning annotation.
import { AbortEnvironmentUpdateCommand, type EnvironmentDescription } from '@aws-sdk/client-elastic-beanstalk';
import { errorMessage } from '../config/errors.js';
import type { EngineDeps } from './deps.js';
import type { InFlightUpdate } from './report.js';
import { describeEnvironment, startUpdate, waitForReady, type EbTarget } from '../eb/environment.js';
import { retryUntil, withRetries, type RetryContext } from '../aws/retry.js';

export interface CancelledOutcome {
  action: 'aborted' | 'left-alone' | 'nothing-in-flight' | 'abort-failed' | 'sent-back' | 'send-back-failed';
  env: EnvironmentDescription | undefined;
}

async function readyOrWarn(deps: EngineDeps, target: EbTarget, r: RetryContext, what: string): Promise<EnvironmentDescription | undefined> {
  try {
    return await waitForReady(deps.eb, target, r);
  } catch (err) {
    deps.log.warning(`${what}, "${target.environmentName}" did not become Ready in time: ${errorMessage(err)}. Check it: it may need attention.`);
    return undefined;
  }
}

/** Until the repair is done (Ready and Green on `label`) or the wait is over; says where it ended. */
async function watchRepair(deps: EngineDeps, label: string, target: EbTarget, r: RetryContext): Promise<EnvironmentDescription> {
  for (;;) {
    const env = await describeEnvironment(deps.eb, target, r);
    const where = `"${target.environmentName}" is ${env.Status ?? '?'} on "${env.VersionLabel ?? '?'}" (${env.Health ?? '?'})`;
    if (env.Status === 'Ready' && env.VersionLabel === label && env.Health === 'Green') {
      deps.log.info(`${where}: the rollback completed`);
      return env;
    }
    if (r.deadline.passed()) {
      deps.log.warning(`${where} after ${r.deadline.what}, not yet Ready and Green on "${label}": check it, it may need attention`);
      return env;
    }
    await deps.clock.sleep(Math.min(REPAIR_POLL_MS, r.deadline.remaining()));
  }
}

const REPAIR_POLL_MS = 2000;

export async function settleCancelledUpdate(deps: EngineDeps, update: InFlightUpdate, waitMs = 120_000): Promise<CancelledOutcome> {
  const target = { applicationName: update.applicationName, environmentName: update.environmentName };
  const r = retryUntil(deps, waitMs, `${waitMs / 1000} s`);
  const env = await describeEnvironment(deps.eb, target, r);
  if (update.kind === 'rollback') {
    deps.log.warning(
      `the job was cancelled while rolling "${update.environmentName}" back to "${update.versionLabel}": ` +
        'the rollback repairs the environment, so it was left alone to finish (not aborted)',
    );
    return { action: 'left-alone', env: await watchRepair(deps, update.versionLabel, target, r) };
  }
  if (!env.AbortableOperationInProgress) {
    if (env.VersionLabel === update.versionLabel && update.rollbackTarget && update.rollbackTarget !== update.versionLabel) return sendBack(deps, update, update.rollbackTarget, target, r);
    deps.log.info(`the job was cancelled; "${update.environmentName}" has no abortable update in progress (${env.Status ?? '?'} on "${env.VersionLabel ?? '?'}")`);
    return { action: 'nothing-in-flight', env };
  }
  try {
    await withRetries('AbortEnvironmentUpdate', r, () => deps.eb.send(new AbortEnvironmentUpdateCommand({ EnvironmentName: update.environmentName })));
  } catch (err) {
    deps.log.warning(`the job was cancelled during the deploy of "${update.versionLabel}" and aborting it failed: ${errorMessage(err)}`);
    return { action: 'abort-failed', env };
  }
  deps.log.warning(`the job was cancelled during the deploy of "${update.versionLabel}": aborted the update of "${update.environmentName}"`);
  const after = await readyOrWarn(deps, target, r, 'after the abort');
  if (after) deps.log.info(`"${update.environmentName}" is Ready on "${after.VersionLabel ?? '?'}" (${after.Health ?? '?'})`);
  return { action: 'aborted', env: after };
}

/**
 * The deploy's version went live and no gate passed it (the job was cancelled in the window, or
 * before its rollback started): redeploy the version last verified there and wait (bounded) for
 * it. This run cannot gate it nor write verdicts; the warning says so, and the next deploy's
 * record still holds the verified version as its target.
 */
async function sendBack(deps: EngineDeps, update: InFlightUpdate, back: string, target: EbTarget, r: RetryContext): Promise<CancelledOutcome> {
  const why = `the job was cancelled after "${update.versionLabel}" went live on "${update.environmentName}" and before its gate passed`;
  try {
    await startUpdate(deps.eb, target, back, r);
  } catch (err) {
    deps.log.warning(`${why}; sending it back to "${back}", the version last verified there, failed: ${errorMessage(err)}. "${update.versionLabel}" is live unverified: roll back (eb-pipeline rollback -l ${back}) or re-run the deploy.`);
    return { action: 'send-back-failed', env: undefined };
  }
  deps.log.warning(`${why}: sent it back to "${back}", the version last verified there (not gated by this job: check it, or re-run the deploy)`);
  return { action: 'sent-back', env: await watchRepair(deps, back, target, r) };
}
