// The root action: bundle → S3 → version → gated update → rollback → retention, one step.
import * as core from '@actions/core';
import { readDeployInputs } from '../config/inputs.js';
import { deployPipeline } from '../engine/pipeline.js';
import { newReport, noteFailure } from '../engine/report.js';
import { setBundleOutputs, setDeployOutputs } from './outputs.js';
import { inFlightHooks, isPostPhase, markMainPhase, runCancelledPost } from './post.js';
import { engineDeps, readActionInput, runAction, safely } from './run-action.js';
import { writeDeploySummary } from './summary.js';

export async function runDeployAction(): Promise<void> {
  if (isPostPhase()) return runCancelledPost();
  markMainPhase();
  await runAction('deploy', async () => {
    const inputs = readDeployInputs(readActionInput);
    const deps = engineDeps(inputs.region);
    const report = newReport(inputs.applicationName, inputs.environmentName);
    try {
      await deployPipeline(deps, inputs, report, inFlightHooks);
    } catch (err) {
      noteFailure(report, err);
      throw err;
    } finally {
      await safely('outputs', () => {
        setBundleOutputs(report);
        setDeployOutputs(report);
        if (report.versionReused !== undefined) core.setOutput('version-reused', String(report.versionReused));
      });
      if (inputs.summary) await safely('job summary', () => writeDeploySummary(report, `Deploy to ${inputs.environmentName}`));
    }
  });
}
