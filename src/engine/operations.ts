// The standalone operations: roll back to a previous version, deploy an existing version, and
// describe an environment's state (the CLI's `status`).
import { DescribeEventsCommand, type EnvironmentDescription, type EventDescription } from '@aws-sdk/client-elastic-beanstalk';
import type { DeployVersionInputs, RollbackInputs } from '../config/inputs.js';
import { ConfigurationError, DeployFailedError } from '../config/errors.js';
import type { EngineDeps } from './deps.js';
import { gatedUpdate } from './gated-update.js';
import { runPreflight } from './preflight.js';
import type { DeployHooks, DeployReport } from './report.js';
import { defaultRollbackLabel } from './release-verdicts.js';
import { describeEnvironment, environmentUrl, type EbTarget } from '../eb/environment.js';
import type { InstanceState } from '../eb/gate.js';
import { readInstancesHealth } from '../eb/instances-health.js';
import { retryUntil, withRetries } from '../aws/retry.js';
import { findVersion } from '../eb/versions.js';
import { checkPromotion } from '../eb/promotion.js';

export async function rollbackOperation(deps: EngineDeps, inputs: RollbackInputs, report: DeployReport, hooks: DeployHooks = {}): Promise<DeployReport> {
  const target = { applicationName: inputs.applicationName, environmentName: inputs.environmentName };
  const r = retryUntil(deps, inputs.gate.readyTimeoutMs, `${inputs.gate.readyTimeoutMs / 1000} s`);
  const env = await describeEnvironment(deps.eb, target, r);
  const label = inputs.versionLabel ?? (await defaultRollbackLabel(deps, target, env.VersionLabel, r)).label!;
  if (!(await findVersion(deps.eb, inputs.applicationName, label, r)))
    throw new DeployFailedError(`cannot roll back to "${label}": no such application version in "${inputs.applicationName}"`);
  deps.log.info(`rolling "${inputs.environmentName}" back from "${env.VersionLabel ?? '?'}" to "${label}"`);
  // A rollback that fails is not rolled back again: it is reported as it is.
  return gatedUpdate(deps, { target, label, gate: inputs.gate, rollback: false, kind: 'rollback' }, report, hooks);
}

/**
 * Deploy an existing, processed version, gated, with rollback. With `promoteFrom`: a promotion, only
 * of a version verified on that environment which it runs Ready and Green now (src/eb/promotion.ts).
 */
export async function deployVersionOperation(deps: EngineDeps, inputs: DeployVersionInputs, report: DeployReport, hooks: DeployHooks = {}): Promise<DeployReport> {
  if (inputs.preflight) await runPreflight(deps, { applicationName: inputs.applicationName, environmentName: inputs.environmentName, versionLabel: inputs.versionLabel });
  const r = retryUntil(deps, inputs.gate.readyTimeoutMs, 'ready-timeout');
  let label = inputs.versionLabel;
  if (inputs.promoteFrom) {
    const promotion = await checkPromotion(deps.eb, { applicationName: inputs.applicationName, sourceEnvironment: inputs.promoteFrom, versionLabel: label }, r);
    deps.log.info(`promoting: ${promotion.why}`);
    report.promotion = promotion.why;
    label = promotion.label;
  }
  if (!label) throw new ConfigurationError('input "version-label" is empty: expected the version to deploy, or "promote-from-environment"');
  report.versionLabel = label;
  const version = await findVersion(deps.eb, inputs.applicationName, label, r);
  if (!version) throw new DeployFailedError(`application version "${label}" does not exist in "${inputs.applicationName}"`);
  if ((version.Status ?? '').toUpperCase() !== 'PROCESSED')
    throw new DeployFailedError(`application version "${label}" is ${version.Status ?? 'not processed'}, not Processed`);
  const target = { applicationName: inputs.applicationName, environmentName: inputs.environmentName };
  return gatedUpdate(deps, { target, label, gate: inputs.gate, rollback: inputs.rollback }, report, hooks);
}

export interface EnvironmentStatus {
  environment: EnvironmentDescription;
  url: string;
  instances: InstanceState[] | undefined;
  events: EventDescription[];
}

export async function environmentStatus(deps: EngineDeps, target: EbTarget): Promise<EnvironmentStatus> {
  const r = retryUntil(deps, 60_000, '60 s');
  const environment = await describeEnvironment(deps.eb, target, r);
  const instances: InstanceState[] | undefined = (await readInstancesHealth(deps.eb, target.environmentName, r))?.instances;
  const ev = await withRetries('DescribeEvents', r, () =>
    deps.eb.send(new DescribeEventsCommand({ ApplicationName: target.applicationName, EnvironmentName: target.environmentName, MaxRecords: 10 })),
  );
  return { environment, url: environmentUrl(environment), instances, events: ev.Events ?? [] };
}
