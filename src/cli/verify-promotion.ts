// `eb-pipeline verify-promotion`: may this version go to production? The check deploy-version runs
// with promote-from-environment (src/eb/promotion.ts), on its own: read-only, exit 0 and the label
// when the version passed the gate on the source environment and runs there Ready and Green now,
// exit 1 and the reason otherwise.
import { retryUntil } from '../aws/retry.js';
import { checkPromotion } from '../eb/promotion.js';
import { parseRegion, readString, requireValue, validateApplicationName, validateEnvironmentName, validateVersionLabel } from '../config/parse.js';
import type { Command } from './command.js';
import { COMMON_FLAGS, EXIT_OK, cliDeps, runCommand, type FlagSpec } from './command-support.js';
import { printLine } from './console-logger.js';

const FLAGS: FlagSpec[] = [
  COMMON_FLAGS.app!,
  { name: 'promote-from-environment', short: 'f', help: 'the environment the version comes from (e.g. shop-dev)' },
  { ...COMMON_FLAGS.label!, help: 'the version expected (default: whatever the source environment runs)' },
  COMMON_FLAGS.region!,
];

export const verifyPromotionCommand: Command = {
  summary: 'check that the version an environment runs passed its gate there and is healthy now',
  run: (argv) =>
    runCommand('verify-promotion', argv, 'usage: eb-pipeline verify-promotion -a APP -f SOURCE_ENV [-l LABEL]', FLAGS, async (f) => {
      const applicationName = validateApplicationName('application-name', requireValue(f.read, 'application-name'));
      const sourceEnvironment = validateEnvironmentName('promote-from-environment', requireValue(f.read, 'promote-from-environment'));
      const label = readString(f.read, 'version-label');
      const versionLabel = label ? validateVersionLabel('version-label', label) : undefined;
      const deps = cliDeps(parseRegion(f.read, 'region'), f.debug);
      const retry = retryUntil(deps, 60_000, '60 s');
      const verdict = await checkPromotion(deps.eb, { applicationName, sourceEnvironment, versionLabel }, retry);
      printLine(`ok: ${verdict.why}`);
      // Through inert too: a label from AWS holding "##[" comes out changed (and then matches no
      // version) rather than as a workflow command.
      printLine(verdict.label);
      return EXIT_OK;
    }),
};
