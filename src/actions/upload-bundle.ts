// Zip (or take) a bundle and upload it, content-addressed.
import { UPLOAD_BUNDLE } from '../config/interface/actions.js';
import { readUploadInputs } from '../config/inputs.js';
import { uploadOnly } from '../engine/pipeline.js';
import { defineAction } from './define-action.js';
import { bundleOutputs } from './outputs.js';

export const runUploadBundleAction = defineAction({
  interface: UPLOAD_BUNDLE,
  readInputs: readUploadInputs,
  run: (deps, inputs, report, hooks) => uploadOnly(deps, inputs, report, hooks),
  outputs: bundleOutputs,
});
