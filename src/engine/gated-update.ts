// Deploy one existing version to an environment and gate it; on failure abort, redeploy the
// previous version and gate that too. Used by the deploy, deploy-version and rollback actions.
import { AbortEnvironmentUpdateCommand, type EnvironmentDescription } from '@aws-sdk/client-elastic-beanstalk';
import type { GateSettings } from '../config/inputs.js';
import { DeployFailedError, errorMessage } from '../config/errors.js';
import { Deadline } from './clock.js';
import type { EngineDeps } from './deps.js';
import type { DeployHooks, DeployReport, UpdateKind } from './report.js';
import { noteTarget, recordVerdict, rollbackTargetFor } from './release-verdicts.js';
import { describeEnvironment, environmentUrl, startUpdate, waitForReady, type EbTarget } from '../eb/environment.js';
import { EventStreamer } from '../eb/events.js';
import { describeHealth } from '../eb/gate.js';
import { readInstancesHealth } from '../eb/instances-health.js';
import { runGate, type GateResult } from '../eb/watch.js';
import { findVersion } from '../eb/versions.js';
import { retryUntil, withRetries, type RetryContext } from '../aws/retry.js';
import { noteDescribeUse } from './report.js';

/** Whether every instance reports `label`; false when it can't be known (enhanced health off). */
async function instancesAllOn(deps: EngineDeps, target: EbTarget, label: string, retry: RetryContext): Promise<boolean> {
  const list = (await readInstancesHealth(deps.eb, target.environmentName, retry))?.instances ?? [];
  return list.length > 0 && list.every((i) => i.versionLabel === label);
}

export interface GatedUpdateOptions {
  target: EbTarget;
  label: string;
  gate: GateSettings;
  rollback: boolean;
  /** `rollback` when this update is itself a repair (the rollback action): never aborted on cancel. */
  kind?: UpdateKind;
}

function recordGate(report: DeployReport, result: GateResult): void {
  if (result.last) {
    report.health = describeHealth(result.last);
    report.instances = result.last.instances ?? report.instances;
  }
}

/** Deploys `label` (unless the environment already runs it, Ready) and gates it. */
async function deployAndGate(
  deps: EngineDeps,
  target: EbTarget,
  label: string,
  gate: GateSettings,
  report: DeployReport,
  events: EventStreamer,
  hooks: DeployHooks,
  kind: UpdateKind,
  alreadyThere?: EnvironmentDescription,
  /** Described just now and Ready: no need to describe it again before UpdateEnvironment. */
  justReady = false,
): Promise<GateResult> {
  const readyDeadline = Deadline.after(deps.clock, gate.readyTimeoutMs, `ready-timeout (${gate.readyTimeoutMs / 1000} s)`);
  let startedAt = deps.clock.now();
  let underway = false;
  let requestId: string | undefined;
  if (!alreadyThere) {
    if (!justReady) await waitForReady(deps.eb, target, retryUntil(deps, readyDeadline));
    // Saved before the call: a job killed the moment EB accepts it still tells its post step.
    hooks.onUpdateStarting?.({
      kind,
      applicationName: target.applicationName,
      environmentName: target.environmentName,
      versionLabel: label,
      previousVersionLabel: report.previousVersionLabel,
      rollbackTarget: kind === 'deploy' ? report.rollbackTarget : undefined,
      region: deps.region,
      startedAt: deps.clock.now(),
    });
    const started = await startUpdate(deps.eb, target, label, retryUntil(deps, readyDeadline));
    startedAt = started.startedAt;
    underway = started.environment.Status !== 'Ready';
    requestId = started.requestId;
    if (requestId) events.ownRequests.add(requestId);
    deps.log.info(`UpdateEnvironment accepted (request ${started.requestId ?? '?'}): "${target.environmentName}" → "${label}"`);
  }
  const deadline = new Deadline(deps.clock, startedAt + gate.deployTimeoutMs, `deploy-timeout (${gate.deployTimeoutMs / 1000} s)`);
  return runGate(
    deps,
    {
      target,
      expectation: { label, minHealth: gate.minHealth, healthUrlExpectVersion: gate.healthUrlExpectVersion, checkHealthUrl: Boolean(gate.healthUrl) },
      rules: { healthyChecks: gate.healthyChecks, stableMs: gate.stableMs, settleTimeoutMs: gate.settleTimeoutMs, unhealthyGraceMs: gate.unhealthyGraceMs },
      healthUrl: gate.healthUrl,
      updateUnderway: underway,
      requestId,
      startedAt,
      deadline,
    },
    retryUntil(deps, deadline),
    events,
  );
}

async function rollBack(deps: EngineDeps, opts: GatedUpdateOptions, report: DeployReport, events: EventStreamer, hooks: DeployHooks, reason: string): Promise<never> {
  const why = reason.replace(/\.+$/, ''); // each message below ends the reason with its own full stop
  const previous = report.rollbackTarget;
  const { target, gate } = opts;
  const fail = (message: string): never => {
    report.outcome = 'needs-attention';
    report.message = message;
    throw new DeployFailedError(message, { needsAttention: true });
  };
  if (!previous) fail(`deploy of "${opts.label}" failed: ${why}. There is nothing to roll back to (${report.rollbackTargetWhy ?? 'no target'}): the environment needs attention.`);
  const rollbackDeadline = Deadline.after(deps.clock, gate.deployTimeoutMs + gate.readyTimeoutMs, 'the rollback deadline');
  const retry = retryUntil(deps, rollbackDeadline);
  return deps.log.group(`Rolling back "${target.environmentName}" to "${previous}"`, async () => {
    try {
      const env = await describeEnvironment(deps.eb, target, retry);
      if (env.AbortableOperationInProgress) {
        deps.log.info(`aborting the update in progress on "${target.environmentName}"`);
        const aborted = await withRetries('AbortEnvironmentUpdate', retry, () => deps.eb.send(new AbortEnvironmentUpdateCommand({ EnvironmentName: target.environmentName })));
        if (aborted.$metadata.requestId) events.ownRequests.add(aborted.$metadata.requestId);
      }
      if (!(await findVersion(deps.eb, target.applicationName, previous!, retry)))
        fail(`deploy of "${opts.label}" failed: ${why}. The rollback target "${previous}" no longer exists: the environment needs attention.`);
      const ready = await waitForReady(deps.eb, target, retry);
      // Skip the redeploy only when EB itself already put every instance back (Immutable's own undo);
      // a failed Rolling batch leaves instances on the new version although VersionLabel is the old one.
      const onPrevious = ready.VersionLabel === previous && (await instancesAllOn(deps, target, previous!, retry)) ? ready : undefined;
      if (onPrevious) deps.log.info(`"${target.environmentName}" is already back on "${previous}"; gating it`);
      // Recorded as a rollback: the post step of a cancelled job leaves the repair alone.
      const result = await deployAndGate(deps, target, previous!, gate, report, events, hooks, 'rollback', onPrevious);
      recordGate(report, result);
      if (result.superseded) {
        // Another deploy replaced the repair: the environment is theirs; undo nothing, judge nothing.
        report.outcome = 'superseded';
        report.supersededBy = result.superseded.label;
        report.message = `deploy of "${opts.label}" failed: ${why}. While its rollback to "${previous}" was gated, it was ${result.reason}; nothing was undone.`;
        throw new DeployFailedError(report.message);
      }
      await recordVerdict(deps, target, previous!, result.passed, report);
      if (!result.passed) fail(`deploy of "${opts.label}" failed: ${why}. The rollback to "${previous}" failed too: ${result.reason}. The environment needs attention.`);
    } catch (err) {
      if (err instanceof DeployFailedError) throw err;
      fail(`deploy of "${opts.label}" failed: ${why}. The rollback to "${previous}" failed too: ${errorMessage(err)}. The environment needs attention.`);
    }
    report.rolledBack = true;
    report.outcome = report.wentLive ? 'rolled-back' : 'aborted';
    report.message = report.wentLive
      ? `deploy of "${opts.label}" failed: ${why}. Rolled back to "${previous}", which is healthy again.`
      : `deploy of "${opts.label}" failed before it went live: ${why}. "${previous}" is running and healthy again.`;
    throw new DeployFailedError(report.message, { rolledBack: true });
  });
}

/**
 * Another actor's update replaced ours while it was gated: the environment is theirs now. Nothing
 * is rolled back (that would undo their deploy) and no verdict is written (the gate never finished).
 */
function superseded(deps: EngineDeps, label: string, result: GateResult, report: DeployReport, events: EventStreamer, hooks: DeployHooks): never {
  report.events = events.events;
  report.outcome = 'superseded';
  report.supersededBy = result.superseded?.label;
  report.message = `deploy of "${label}" did not finish: ${result.reason}. Nothing was rolled back and no verdict was recorded for "${label}".`;
  deps.log.error(report.message);
  hooks.onUpdateSettled?.();
  throw new DeployFailedError(report.message);
}

/** Deploys, gates, rolls back on failure; the report ends with the run's describe calls however it ends. */
export async function gatedUpdate(deps: EngineDeps, opts: GatedUpdateOptions, report: DeployReport, hooks: DeployHooks = {}): Promise<DeployReport> {
  try {
    return await updateGateAndRepair(deps, opts, report, hooks);
  } finally {
    noteDescribeUse(deps, report);
  }
}

async function updateGateAndRepair(deps: EngineDeps, opts: GatedUpdateOptions, report: DeployReport, hooks: DeployHooks): Promise<DeployReport> {
  const { target, label, gate } = opts;
  const setupDeadline = Deadline.after(deps.clock, gate.readyTimeoutMs, 'ready-timeout');
  const retry = retryUntil(deps, setupDeadline);
  const env = await describeEnvironment(deps.eb, target, retry);
  report.versionLabel = label;
  report.previousVersionLabel = env.VersionLabel;
  report.environmentUrl = environmentUrl(env);
  deps.log.info(`"${target.environmentName}" runs "${env.VersionLabel ?? 'nothing'}" (${env.Status ?? '?'}, ${env.Health ?? '?'})`);
  if (opts.rollback) {
    // Red before we start: the version it runs may be verified, but it is failing now, so not a target.
    const failingNow = env.Health === 'Red' && env.VersionLabel !== label ? env.VersionLabel : undefined;
    const choice = await rollbackTargetFor(deps, target, label, env.VersionLabel, retry, failingNow);
    noteTarget(report, choice);
    if (choice.basis === 'running' && !(await findVersion(deps.eb, target.applicationName, choice.label!, retry)))
      deps.log.warning(`the rollback target "${choice.label!}" no longer exists as an application version: a failed deploy cannot be rolled back`);
  }
  const events = new EventStreamer(deps.eb, target, retry, deps.log);
  await events.baseline();
  let result: GateResult;
  try {
    result = await deps.log.group(`Deploying "${label}" to "${target.environmentName}"`, () =>
      deployAndGate(deps, target, label, gate, report, events, hooks, opts.kind ?? 'deploy', undefined, env.Status === 'Ready'),
    );
  } finally {
    report.events = events.events;
  }
  report.deploySeconds = Math.round(result.seconds * 10) / 10;
  report.wentLive = result.wentLive;
  recordGate(report, result);
  if (result.superseded) return superseded(deps, label, result, report, events, hooks);
  // A failed version's mark is written while the rollback starts: recovery never waits for it.
  const verdict = recordVerdict(deps, target, label, result.passed, report);
  try {
    if (result.passed) {
      await verdict;
      report.outcome = 'deployed';
      report.message = `"${label}" is live on "${target.environmentName}" (${report.health ?? '?'}) after ${report.deploySeconds} s`;
      deps.log.info(report.message);
      return report;
    }
    deps.log.error(`deploy of "${label}" failed: ${result.reason}`);
    if (!opts.rollback) {
      report.outcome = 'failed';
      report.message = `deploy of "${label}" failed: ${result.reason}. Rollback is off: the environment was left as it is.`;
      throw new DeployFailedError(report.message);
    }
    return await rollBack(deps, opts, report, events, hooks, result.reason);
  } finally {
    await verdict;
    report.events = events.events;
    hooks.onUpdateSettled?.();
  }
}
