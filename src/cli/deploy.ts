// `eb-pipeline deploy`: the root action's flow from a terminal.
import { readDeployInputs } from '../config/inputs.js';
import { deployPipeline } from '../engine/pipeline.js';
import { newReport } from '../engine/report.js';
import type { Command } from './command.js';
import { DEPLOY } from '../config/interface/actions.js';
import { EXIT_OK, cliDeps, runCommand } from './command-support.js';
import { actionFlags } from './input-flags.js';
import { undoOnInterrupt } from './interrupt.js';
import { printReport } from './print-report.js';

// Every deploy input but the job summary's.
const FLAGS = actionFlags(DEPLOY, { except: ['summary'] });

export const deployCommand: Command = {
  summary: 'bundle, upload, create the version, deploy, gate, roll back on failure',
  run: (argv) =>
    runCommand('deploy', argv, 'usage: eb-pipeline deploy -a APP -e ENV [-b BUNDLE] [options]', FLAGS, async (f) => {
      const inputs = readDeployInputs(f.read);
      const deps = cliDeps(inputs.region, f.debug);
      const report = newReport(inputs.applicationName, inputs.environmentName);
      const interrupt = undoOnInterrupt(deps);
      try {
        await deployPipeline(deps, inputs, report, interrupt.hooks);
      } finally {
        interrupt.release();
        printReport(report);
      }
      return EXIT_OK;
    }),
};
