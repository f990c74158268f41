// Roll back to the last verified (or a named) version, gated like a deploy.
import { ROLLBACK_ACTION } from '../config/interface/actions.js';
import { readRollbackInputs } from '../config/inputs.js';
import { rollbackOperation } from '../engine/operations.js';
import { defineAction } from './define-action.js';
import { gatedOutputs } from './outputs.js';

export const runRollbackAction = defineAction({
  interface: ROLLBACK_ACTION,
  readInputs: readRollbackInputs,
  run: (deps, inputs, report, hooks) => rollbackOperation(deps, inputs, report, hooks),
  // A rollback is never rolled back itself: it has no rollback target, and rolled-back would always be "false".
  outputs: (report) => {
    const { 'rollback-target': _target, 'rolled-back': _rolledBack, ...outputs } = gatedOutputs(report);
    return outputs;
  },
  summaryTitle: (_report, inputs) => `Rollback of ${inputs.environmentName}`,
});
