import { runCreateVersionAction } from '../actions/create-version.js';

await runCreateVersionAction();
