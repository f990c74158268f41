// Outputs are set by the names the action's interface declares (src/config/interface/actions.ts):
// a value for a name the action does not declare does not compile.
import * as core from '@actions/core';
import type { BUNDLE_OUTPUTS, GATED_OUTPUTS } from '../config/interface/shared.js';
import type { ActionInterface, OutputName, OutputValue, OutputValues } from '../config/interface/spec.js';
import type { DeployReport } from '../engine/report.js';

/** Only `action`'s outputs: an extra key, even in an object built elsewhere, is a type error. */
export type OutputsOf<A extends ActionInterface, V> = V & Record<Exclude<keyof V, OutputName<A>>, never>;

/** Sets each output that has a value (undefined ones are left unset). */
export function setOutputs(values: OutputValues<string>): void {
  for (const [name, value] of Object.entries<OutputValue>(values)) if (value !== undefined) core.setOutput(name, String(value));
}

export function bundleOutputs(report: DeployReport): OutputValues<keyof typeof BUNDLE_OUTPUTS> {
  return {
    'bundle-sha256': report.bundle?.sha256 || undefined,
    's3-bucket': report.bundle?.bucket,
    's3-key': report.bundle?.key,
    'uploaded-bytes': report.bundle?.uploadedBytes,
  };
}

/** What a gated update reports; the rollback action leaves out the two about its own rollback. */
export function gatedOutputs(report: DeployReport): Required<OutputValues<keyof typeof GATED_OUTPUTS>> {
  return {
    'version-label': report.versionLabel,
    'previous-version-label': report.previousVersionLabel ?? '',
    'rollback-target': report.rollbackTarget,
    'environment-url': report.environmentUrl,
    health: report.health,
    'rolled-back': report.rolledBack,
    outcome: report.outcome === 'pending' ? undefined : report.outcome,
    'went-live': report.wentLive,
    'superseded-by': report.supersededBy,
    'deploy-seconds': report.deploySeconds,
  };
}
