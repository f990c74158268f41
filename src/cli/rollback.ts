// `eb-pipeline rollback`: redeploy the last verified (or a named) version, gated (docs/verified-releases.md).
import { readRollbackInputs } from '../config/inputs.js';
import { rollbackOperation } from '../engine/operations.js';
import { newReport } from '../engine/report.js';
import type { Command } from './command.js';
import { COMMON_FLAGS, EXIT_OK, GATE_FLAGS, cliDeps, runCommand, type FlagSpec } from './command-support.js';
import { printReport } from './print-report.js';

const FLAGS: FlagSpec[] = [
  COMMON_FLAGS.app!,
  COMMON_FLAGS.env!,
  { ...COMMON_FLAGS.label!, help: 'version to roll back to (default: the newest verified one other than the running one)' },
  COMMON_FLAGS.region!,
  ...GATE_FLAGS,
];

export const rollbackCommand: Command = {
  summary: 'redeploy the previous (or a named) version and gate it',
  run: (argv) =>
    runCommand('rollback', argv, 'usage: eb-pipeline rollback -a APP -e ENV [-l LABEL] [options]', FLAGS, async (f) => {
      const inputs = readRollbackInputs(f.read);
      const deps = cliDeps(inputs.region, f.debug);
      const report = newReport(inputs.applicationName, inputs.environmentName);
      try {
        await rollbackOperation(deps, inputs, report);
      } finally {
        printReport(report);
      }
      return EXIT_OK;
    }),
};
