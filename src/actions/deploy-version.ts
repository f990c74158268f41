// Deploy an existing version (promotion), gated, with rollback.
import { readDeployVersionInputs } from '../config/inputs.js';
import { gatedUpdate } from '../engine/gated-update.js';
import { newReport } from '../engine/report.js';
import { setDeployOutputs } from './outputs.js';
import { inFlightHooks, isPostPhase, markMainPhase, runCancelledPost } from './post.js';
import { engineDeps, readActionInput, runAction, safely } from './run-action.js';
import { writeDeploySummary } from './summary.js';
import { findVersion } from '../eb/versions.js';
import { Deadline } from '../engine/clock.js';
import { DeployFailedError } from '../config/errors.js';

export async function runDeployVersionAction(): Promise<void> {
  if (isPostPhase()) return runCancelledPost();
  markMainPhase();
  await runAction('deploy-version', async () => {
    const inputs = readDeployVersionInputs(readActionInput);
    const deps = engineDeps(inputs.region);
    const report = newReport(inputs.applicationName, inputs.environmentName);
    try {
      const retry = { clock: deps.clock, log: deps.log, deadline: Deadline.after(deps.clock, inputs.gate.readyTimeoutMs, 'ready-timeout') };
      const version = await findVersion(deps.eb, inputs.applicationName, inputs.versionLabel, retry);
      if (!version) throw new DeployFailedError(`application version "${inputs.versionLabel}" does not exist in "${inputs.applicationName}"`);
      if ((version.Status ?? '').toUpperCase() !== 'PROCESSED')
        throw new DeployFailedError(`application version "${inputs.versionLabel}" is ${version.Status ?? 'not processed'}, not Processed`);
      const target = { applicationName: inputs.applicationName, environmentName: inputs.environmentName };
      await gatedUpdate(deps, { target, label: inputs.versionLabel, gate: inputs.gate, rollback: inputs.rollback }, report, inFlightHooks);
    } finally {
      await safely('outputs', () => setDeployOutputs(report));
      if (inputs.summary) await safely('job summary', () => writeDeploySummary(report, `Deploy ${inputs.versionLabel} to ${inputs.environmentName}`));
    }
  });
}
