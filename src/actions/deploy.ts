// The root action: bundle → S3 → version → gated update → rollback → retention, one step.
import { DEPLOY } from '../config/interface/actions.js';
import { readDeployInputs } from '../config/inputs.js';
import { deployPipeline } from '../engine/pipeline.js';
import { defineAction } from './define-action.js';
import { bundleOutputs, gatedOutputs } from './outputs.js';

export const runDeployAction = defineAction({
  interface: DEPLOY,
  readInputs: readDeployInputs,
  run: (deps, inputs, report, hooks) => deployPipeline(deps, inputs, report, hooks),
  outputs: (report) => ({ ...bundleOutputs(report), ...gatedOutputs(report), 'version-reused': report.versionReused }),
  summaryTitle: (_report, inputs) => `Deploy to ${inputs.environmentName}`,
});
