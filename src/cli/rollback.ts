// `eb-pipeline rollback`: redeploy the last verified (or a named) version, gated (docs/verified-releases.md).
import { readRollbackInputs } from '../config/inputs.js';
import { rollbackOperation } from '../engine/operations.js';
import { newReport } from '../engine/report.js';
import type { Command } from './command.js';
import { ROLLBACK_ACTION } from '../config/interface/actions.js';
import { EXIT_OK, cliDeps, runCommand } from './command-support.js';
import { actionFlags } from './input-flags.js';
import { printReport } from './print-report.js';

// Every rollback input but the job summary's.
const FLAGS = actionFlags(ROLLBACK_ACTION, { except: ['summary'] });

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
