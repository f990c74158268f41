import { runDeployAction } from '../actions/deploy.js';

await runDeployAction();
