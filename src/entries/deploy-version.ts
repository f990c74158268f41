import { runDeployVersionAction } from '../actions/deploy-version.js';

await runDeployVersionAction();
