import * as core from '@actions/core';
import { readCreateVersionInputs } from '../config/inputs.js';
import { createVersionOnly } from '../engine/pipeline.js';
import { newReport } from '../engine/report.js';
import { setBundleOutputs } from './outputs.js';
import { inFlightHooks, isPostPhase, markMainPhase, runCancelledPost } from './post.js';
import { engineDeps, readActionInput, runAction, safely } from './run-action.js';

export async function runCreateVersionAction(): Promise<void> {
  if (isPostPhase()) return runCancelledPost();
  markMainPhase();
  await runAction('create-version', async () => {
    const inputs = readCreateVersionInputs(readActionInput);
    const deps = engineDeps(inputs.region);
    const report = newReport(inputs.applicationName);
    try {
      await createVersionOnly(deps, inputs, report, inFlightHooks);
    } finally {
      await safely('outputs', () => {
        setBundleOutputs(report);
        if (report.versionLabel) core.setOutput('version-label', report.versionLabel);
        if (report.versionReused !== undefined) core.setOutput('version-reused', String(report.versionReused));
      });
    }
  });
}
