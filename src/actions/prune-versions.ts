// Keep the newest N application versions, never one in use nor a rollback target.
import { PRUNE_VERSIONS } from '../config/interface/actions.js';
import { readPruneInputs } from '../config/inputs.js';
import { pruneOnly } from '../engine/pipeline.js';
import { defineAction } from './define-action.js';

export const runPruneVersionsAction = defineAction({
  interface: PRUNE_VERSIONS,
  readInputs: readPruneInputs,
  run: (deps, inputs) => pruneOnly(deps, inputs),
  outputs: (_report, result) =>
    result ? { 'deleted-versions': result.deleted.join('\n'), 'deleted-count': result.deleted.length, 'kept-count': result.kept } : {},
  postStep: false,
});
