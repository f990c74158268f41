// Create (or reuse) an application version from an uploaded or a local bundle.
import { CREATE_VERSION } from '../config/interface/actions.js';
import { readCreateVersionInputs } from '../config/inputs.js';
import { createVersionOnly } from '../engine/pipeline.js';
import { defineAction } from './define-action.js';
import { bundleOutputs } from './outputs.js';

export const runCreateVersionAction = defineAction({
  interface: CREATE_VERSION,
  readInputs: readCreateVersionInputs,
  run: (deps, inputs, report, hooks) => createVersionOnly(deps, inputs, report, hooks),
  outputs: (report) => ({ ...bundleOutputs(report), 'version-label': report.versionLabel, 'version-reused': report.versionReused }),
});
