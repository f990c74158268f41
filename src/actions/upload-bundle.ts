import { readUploadInputs } from '../config/inputs.js';
import { uploadOnly } from '../engine/pipeline.js';
import { newReport } from '../engine/report.js';
import { setBundleOutputs } from './outputs.js';
import { inFlightHooks, isPostPhase, markMainPhase, runCancelledPost } from './post.js';
import { engineDeps, readActionInput, runAction, safely } from './run-action.js';

export async function runUploadBundleAction(): Promise<void> {
  if (isPostPhase()) return runCancelledPost();
  markMainPhase();
  await runAction('upload-bundle', async () => {
    const inputs = readUploadInputs(readActionInput);
    const deps = engineDeps(inputs.region);
    const report = newReport(inputs.applicationName);
    try {
      await uploadOnly(deps, inputs, report, inFlightHooks);
    } finally {
      await safely('outputs', () => setBundleOutputs(report));
    }
  });
}
