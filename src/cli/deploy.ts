// `eb-pipeline deploy`: the root action's flow from a terminal.
import { readDeployInputs } from '../config/inputs.js';
import { deployPipeline } from '../engine/pipeline.js';
import { newReport } from '../engine/report.js';
import type { Command } from './command.js';
import { COMMON_FLAGS, EXIT_OK, GATE_FLAGS, cliDeps, runCommand, type FlagSpec } from './command-support.js';
import { printReport } from './print-report.js';

const FLAGS: FlagSpec[] = [
  COMMON_FLAGS.app!,
  COMMON_FLAGS.env!,
  { name: 'bundle', short: 'b', help: '.zip file or directory (default .)' },
  { ...COMMON_FLAGS.label!, help: 'version label (default: <commit>-<bundle sha256>)' },
  { name: 'version-description', help: 'description of the version' },
  { name: 'bucket', help: "S3 bucket (default: Elastic Beanstalk's own)" },
  { name: 'key-prefix', help: 'S3 key prefix (default eb-pipeline/<application>)' },
  COMMON_FLAGS.region!,
  ...GATE_FLAGS,
  { name: 'rollback', help: 'true | false: roll back a failed deploy (default true)' },
  { name: 'keep-versions', help: 'prune to the newest N versions after success (default 0: no pruning)' },
  { name: 'delete-source-bundles', help: 'true: pruning deletes S3 bundles too' },
  { name: 'preflight', help: 'false: skip the read-only checks before any change (default true)' },
];

export const deployCommand: Command = {
  summary: 'bundle, upload, create the version, deploy, gate, roll back on failure',
  run: (argv) =>
    runCommand('deploy', argv, 'usage: eb-pipeline deploy -a APP -e ENV [-b BUNDLE] [options]', FLAGS, async (f) => {
      const inputs = readDeployInputs(f.read);
      const deps = cliDeps(inputs.region, f.debug);
      const report = newReport(inputs.applicationName, inputs.environmentName);
      try {
        await deployPipeline(deps, inputs, report);
      } finally {
        printReport(report);
      }
      return EXIT_OK;
    }),
};
