// `eb-pipeline prune`: keep the newest N application versions.
import { readPruneInputs } from '../config/inputs.js';
import { pruneOnly } from '../engine/pipeline.js';
import type { Command } from './command.js';
import { COMMON_FLAGS, EXIT_OK, cliDeps, runCommand, type FlagSpec } from './command-support.js';
import { printLine } from './console-logger.js';

const FLAGS: FlagSpec[] = [
  COMMON_FLAGS.app!,
  { name: 'keep-versions', short: 'k', help: 'number of newest versions to keep (default 20)' },
  { name: 'protect-version-labels', help: 'labels never to delete, comma-separated' },
  { name: 'delete-source-bundles', help: 'true: delete the S3 bundles too' },
  COMMON_FLAGS.region!,
];

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
