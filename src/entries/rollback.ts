import { runRollbackAction } from '../actions/rollback.js';

await runRollbackAction();
