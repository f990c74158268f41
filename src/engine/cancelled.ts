// The post step of a cancelled job (`post-if: cancelled()`), given the update the main step saved
// just before its last UpdateEnvironment. A deploy's own update is aborted, so the environment goes
// back to what it ran. A rollback is a repair: it is never aborted — aborting it would leave the
// broken release live — so the post step leaves it running and waits (bounded) to say how it ended.
// A post step only warns (it never fails the job); anything left not healthy is a warning annotation.
import { AbortEnvironmentUpdateCommand, type EnvironmentDescription } from '@aws-sdk/client-elastic-beanstalk';
import { errorMessage } from '../config/errors.js';
import { Deadline } from './clock.js';
import type { EngineDeps } from './deps.js';
import type { InFlightUpdate } from './report.js';
import { describeEnvironment, waitForReady, type EbTarget } from '../eb/environment.js';
import { withRetries, type RetryContext } from '../aws/retry.js';

export interface CancelledOutcome {
  action: 'aborted' | 'left-alone' | 'nothing-in-flight' | 'abort-failed';
  env: EnvironmentDescription | undefined;
}

async function readyOrWarn(deps: EngineDeps, target: EbTarget, r: RetryContext, what: string): Promise<EnvironmentDescription | undefined> {
  try {
    return await waitForReady(deps.eb, target, r, r.deadline);
  } catch (err) {
    deps.log.warning(`${what}, "${target.environmentName}" did not become Ready in time: ${errorMessage(err)}. Check it: it may need attention.`);
    return undefined;
  }
}

/** Until the repair is done (Ready and Green on its target) or the wait is over; says where it ended. */
async function watchRepair(deps: EngineDeps, update: InFlightUpdate, target: EbTarget, r: RetryContext): Promise<EnvironmentDescription> {
  for (;;) {
    const env = await describeEnvironment(deps.eb, target, r);
    const where = `"${update.environmentName}" is ${env.Status ?? '?'} on "${env.VersionLabel ?? '?'}" (${env.Health ?? '?'})`;
    if (env.Status === 'Ready' && env.VersionLabel === update.versionLabel && env.Health === 'Green') {
      deps.log.info(`${where}: the rollback completed`);
      return env;
    }
    if (r.deadline.passed()) {
      deps.log.warning(`${where} after ${r.deadline.what}, not yet Ready and Green on "${update.versionLabel}": check it, it may need attention`);
      return env;
    }
    await deps.clock.sleep(Math.min(REPAIR_POLL_MS, r.deadline.remaining()));
  }
}

const REPAIR_POLL_MS = 2000;

export async function settleCancelledUpdate(deps: EngineDeps, update: InFlightUpdate, waitMs = 120_000): Promise<CancelledOutcome> {
  const target = { applicationName: update.applicationName, environmentName: update.environmentName };
  const r: RetryContext = { clock: deps.clock, log: deps.log, deadline: Deadline.after(deps.clock, waitMs, `${waitMs / 1000} s`) };
  const env = await describeEnvironment(deps.eb, target, r);
  if (update.kind === 'rollback') {
    deps.log.warning(
      `the job was cancelled while rolling "${update.environmentName}" back to "${update.versionLabel}": ` +
        'the rollback repairs the environment, so it was left alone to finish (not aborted)',
    );
    return { action: 'left-alone', env: await watchRepair(deps, update, target, r) };
  }
  if (!env.AbortableOperationInProgress) {
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
