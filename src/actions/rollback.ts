// Roll back to the previous (or a named) version, gated like a deploy.
import { readRollbackInputs } from '../config/inputs.js';
import { rollbackOperation } from '../engine/operations.js';
import { newReport, noteFailure } from '../engine/report.js';
import { setDeployOutputs } from './outputs.js';
import { inFlightHooks, isPostPhase, markMainPhase, runCancelledPost } from './post.js';
import { engineDeps, readActionInput, runAction, safely } from './run-action.js';
import { writeDeploySummary } from './summary.js';

export async function runRollbackAction(): Promise<void> {
  if (isPostPhase()) return runCancelledPost();
  markMainPhase();
  await runAction('rollback', async () => {
    const inputs = readRollbackInputs(readActionInput);
    const deps = engineDeps(inputs.region);
    const report = newReport(inputs.applicationName, inputs.environmentName);
    try {
      await rollbackOperation(deps, inputs, report, inFlightHooks);
    } catch (err) {
      noteFailure(report, err);
      throw err;
    } finally {
      await safely('outputs', () => setDeployOutputs(report));
      if (inputs.summary) await safely('job summary', () => writeDeploySummary(report, `Rollback of ${inputs.environmentName}`));
    }
  });
}
