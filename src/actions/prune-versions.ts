import * as core from '@actions/core';
import { readPruneInputs } from '../config/inputs.js';
import { pruneOnly } from '../engine/pipeline.js';
import { engineDeps, readActionInput, runAction } from './run-action.js';

export async function runPruneVersionsAction(): Promise<void> {
  await runAction('prune-versions', async () => {
    const inputs = readPruneInputs(readActionInput);
    const deps = engineDeps(inputs.region);
    const result = await pruneOnly(deps, inputs);
    core.setOutput('deleted-versions', result.deleted.join('\n'));
    core.setOutput('deleted-count', String(result.deleted.length));
    core.setOutput('kept-count', String(result.kept));
  });
}
