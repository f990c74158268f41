// `eb-pipeline prune`: keep the newest N application versions.
import { readPruneInputs } from '../config/inputs.js';
import { pruneOnly } from '../engine/pipeline.js';
import type { Command } from './command.js';
import { PRUNE_VERSIONS } from '../config/interface/actions.js';
import { EXIT_OK, cliDeps, runCommand } from './command-support.js';
import { actionFlags } from './input-flags.js';
import { printLine } from './console-logger.js';

const FLAGS = actionFlags(PRUNE_VERSIONS, { short: { 'keep-versions': 'k' } });

export const pruneCommand: Command = {
  summary: 'delete old application versions, never one in use',
  run: (argv) =>
    runCommand('prune', argv, 'usage: eb-pipeline prune -a APP [-k N] [options]', FLAGS, async (f) => {
      const inputs = readPruneInputs(f.read);
      const result = await pruneOnly(cliDeps(inputs.region, f.debug), inputs);
      const kept = [...result.protectedLabels].map(([label, why]) => `${label} (${why})`).join(', ');
      printLine(`deleted ${result.deleted.length}: ${result.deleted.join(', ') || '-'}; kept ${result.kept}${kept ? `, always: ${kept}` : ''}`);
      return EXIT_OK;
    }),
};
