// The standalone operations: roll back to a previous version, abort an in-flight update (the
// post step of a cancelled job), and describe an environment's state (the CLI's `status`).
import {
  AbortEnvironmentUpdateCommand, DescribeApplicationVersionsCommand, DescribeEventsCommand, DescribeInstancesHealthCommand,
  type EnvironmentDescription, type EventDescription,
} from '@aws-sdk/client-elastic-beanstalk';
import type { DeployVersionInputs, RollbackInputs } from '../config/inputs.js';
import { DeployFailedError, errorMessage } from '../config/errors.js';
import { Deadline } from './clock.js';
import type { EngineDeps } from './deps.js';
import { gatedUpdate } from './gated-update.js';
import type { DeployHooks, DeployReport, InFlightUpdate } from './report.js';
import { describeEnvironment, environmentUrl, waitForReady, type EbTarget } from '../eb/environment.js';
import type { InstanceState } from '../eb/gate.js';
import { errorName, withRetries, type RetryContext } from '../aws/retry.js';
import { findVersion } from '../eb/versions.js';

function retry(deps: EngineDeps, ms: number): RetryContext {
  return { clock: deps.clock, log: deps.log, deadline: Deadline.after(deps.clock, ms, `${ms / 1000} s`) };
}

/** The newest processed version created before the one the environment runs now. */
export async function previousVersionLabel(deps: EngineDeps, target: EbTarget, current: string | undefined, r: RetryContext): Promise<string | undefined> {
  const res = await withRetries('DescribeApplicationVersions', r, () =>
    deps.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: target.applicationName })),
  );
  const versions = res.ApplicationVersions ?? [];
  const cutoff = versions.find((v) => v.VersionLabel === current)?.DateCreated?.getTime() ?? Number.POSITIVE_INFINITY;
  return versions
    .filter((v) => v.VersionLabel !== current && (v.Status ?? '').toUpperCase() === 'PROCESSED' && (v.DateCreated?.getTime() ?? 0) < cutoff)
    .sort((a, b) => (b.DateCreated?.getTime() ?? 0) - (a.DateCreated?.getTime() ?? 0))[0]?.VersionLabel;
}

export async function rollbackOperation(deps: EngineDeps, inputs: RollbackInputs, report: DeployReport, hooks: DeployHooks = {}): Promise<DeployReport> {
  const target = { applicationName: inputs.applicationName, environmentName: inputs.environmentName };
  const r = retry(deps, inputs.gate.readyTimeoutMs);
  const env = await describeEnvironment(deps.eb, target, r);
  const label = inputs.versionLabel ?? (await previousVersionLabel(deps, target, env.VersionLabel, r));
  if (!label) throw new DeployFailedError(`no version older than "${env.VersionLabel ?? '?'}" exists in "${inputs.applicationName}": nothing to roll back to`);
  if (!(await findVersion(deps.eb, inputs.applicationName, label, r)))
    throw new DeployFailedError(`cannot roll back to "${label}": no such application version in "${inputs.applicationName}"`);
  deps.log.info(`rolling "${inputs.environmentName}" back from "${env.VersionLabel ?? '?'}" to "${label}"`);
  // A rollback that fails is not rolled back again: it is reported as it is.
  return gatedUpdate(deps, { target, label, gate: inputs.gate, rollback: false }, report, hooks);
}

/** Deploy an existing, processed version (a promotion), gated, with rollback. */
export async function deployVersionOperation(deps: EngineDeps, inputs: DeployVersionInputs, report: DeployReport, hooks: DeployHooks = {}): Promise<DeployReport> {
  const r = { clock: deps.clock, log: deps.log, deadline: Deadline.after(deps.clock, inputs.gate.readyTimeoutMs, 'ready-timeout') };
  const version = await findVersion(deps.eb, inputs.applicationName, inputs.versionLabel, r);
  if (!version) throw new DeployFailedError(`application version "${inputs.versionLabel}" does not exist in "${inputs.applicationName}"`);
  if ((version.Status ?? '').toUpperCase() !== 'PROCESSED')
    throw new DeployFailedError(`application version "${inputs.versionLabel}" is ${version.Status ?? 'not processed'}, not Processed`);
  const target = { applicationName: inputs.applicationName, environmentName: inputs.environmentName };
  return gatedUpdate(deps, { target, label: inputs.versionLabel, gate: inputs.gate, rollback: inputs.rollback }, report, hooks);
}

/**
 * Post step of a cancelled job: abort the update the main step started, if it is still abortable,
 * and wait (bounded) to report where the environment ended. Only warns: a post step never fails a job.
 */
export async function abortInFlight(deps: EngineDeps, update: InFlightUpdate, waitMs = 120_000): Promise<{ aborted: boolean; env: EnvironmentDescription | undefined }> {
  const target = { applicationName: update.applicationName, environmentName: update.environmentName };
  const r = retry(deps, waitMs);
  const env = await describeEnvironment(deps.eb, target, r);
  if (!env.AbortableOperationInProgress) {
    deps.log.info(`the job was cancelled; "${update.environmentName}" has no abortable update in progress (${env.Status ?? '?'} on "${env.VersionLabel ?? '?'}")`);
    return { aborted: false, env };
  }
  try {
    await withRetries('AbortEnvironmentUpdate', r, () => deps.eb.send(new AbortEnvironmentUpdateCommand({ EnvironmentName: update.environmentName })));
  } catch (err) {
    deps.log.warning(`the job was cancelled during the deploy of "${update.versionLabel}" and aborting it failed: ${errorMessage(err)}`);
    return { aborted: false, env };
  }
  deps.log.warning(`the job was cancelled during the deploy of "${update.versionLabel}": aborted the update of "${update.environmentName}"`);
  try {
    const after = await waitForReady(deps.eb, target, r, r.deadline);
    deps.log.info(`"${update.environmentName}" is Ready on "${after.VersionLabel ?? '?'}" (${after.Health ?? '?'})`);
    return { aborted: true, env: after };
  } catch (err) {
    deps.log.warning(`after the abort, "${update.environmentName}" did not become Ready in time: ${errorMessage(err)}`);
    return { aborted: true, env: undefined };
  }
}

export interface EnvironmentStatus {
  environment: EnvironmentDescription;
  url: string;
  instances: InstanceState[] | undefined;
  events: EventDescription[];
}

export async function environmentStatus(deps: EngineDeps, target: EbTarget): Promise<EnvironmentStatus> {
  const r = retry(deps, 60_000);
  const environment = await describeEnvironment(deps.eb, target, r);
  let instances: InstanceState[] | undefined;
  try {
    const res = await withRetries('DescribeInstancesHealth', r, () =>
      deps.eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: target.environmentName, AttributeNames: ['HealthStatus', 'Color', 'Deployment'] })),
    );
    instances = (res.InstanceHealthList ?? []).map((i) => ({ id: i.InstanceId ?? '?', healthStatus: i.HealthStatus, color: i.Color, versionLabel: i.Deployment?.VersionLabel }));
  } catch (err) {
    if (errorName(err) !== 'InvalidRequestException') throw err;
  }
  const ev = await withRetries('DescribeEvents', r, () =>
    deps.eb.send(new DescribeEventsCommand({ ApplicationName: target.applicationName, EnvironmentName: target.environmentName, MaxRecords: 10 })),
  );
  return { environment, url: environmentUrl(environment), instances, events: ev.Events ?? [] };
}
