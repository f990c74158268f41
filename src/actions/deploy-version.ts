// Deploy an existing version (promotion), gated, with rollback.
import { DEPLOY_VERSION } from '../config/interface/actions.js';
import { readDeployVersionInputs } from '../config/inputs.js';
import { deployVersionOperation } from '../engine/operations.js';
import { defineAction } from './define-action.js';
import { gatedOutputs } from './outputs.js';

export const runDeployVersionAction = defineAction({
  interface: DEPLOY_VERSION,
  readInputs: readDeployVersionInputs,
  run: (deps, inputs, report, hooks) => deployVersionOperation(deps, inputs, report, hooks),
  outputs: gatedOutputs,
  summaryTitle: (report, inputs) => `Deploy ${report.versionLabel ?? inputs.versionLabel ?? '(no version)'} to ${inputs.environmentName}`,
});
