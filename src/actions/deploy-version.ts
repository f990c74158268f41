// Deploy an existing version (promotion), gated, with rollback.
import { readDeployVersionInputs } from '../config/inputs.js';
import { deployVersionOperation } from '../engine/operations.js';
import { newReport, noteFailure } from '../engine/report.js';
import { setDeployOutputs } from './outputs.js';
import { inFlightHooks, isPostPhase, markMainPhase, runCancelledPost } from './post.js';
import { engineDeps, readActionInput, runAction, safely } from './run-action.js';
import { writeDeploySummary } from './summary.js';

export async function runDeployVersionAction(): Promise<void> {
  if (isPostPhase()) return runCancelledPost();
  markMainPhase();
  await runAction('deploy-version', async () => {
    const inputs = readDeployVersionInputs(readActionInput);
    const deps = engineDeps(inputs.region);
    const report = newReport(inputs.applicationName, inputs.environmentName);
    try {
      await deployVersionOperation(deps, inputs, report, inFlightHooks);
    } catch (err) {
      noteFailure(report, err);
      throw err;
    } finally {
      await safely('outputs', () => setDeployOutputs(report));
      if (inputs.summary) await safely('job summary', () => writeDeploySummary(report, `Deploy ${report.versionLabel ?? inputs.versionLabel ?? '(no version)'} to ${inputs.environmentName}`));
    }
  });
}
