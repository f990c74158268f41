import { runPruneVersionsAction } from '../actions/prune-versions.js';

await runPruneVersionsAction();
