// `eb-pipeline preflight`: the deploy's read-only checks on their own, to prove a new account's
// set-up (roles, policies, buckets, environments) before the first real deploy. Changes nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseBucket, parseBundlePath, parseKeyPrefix, parseRegion, readString, requireValue, validateApplicationName, validateEnvironmentName, validateVersionLabel } from '../config/parse.js';
import { preflight } from '../engine/preflight.js';
import type { Command } from './command.js';
import { printLine } from './console-logger.js';
import { COMMON_FLAGS, EXIT_FAILED, EXIT_OK, cliDeps, runCommand, type FlagSpec } from './command-support.js';

const FLAGS: FlagSpec[] = [
  COMMON_FLAGS.app!,
  COMMON_FLAGS.env!,
  { name: 'bundle', short: 'b', help: 'the bundle directory to deploy (a Dockerrun.aws.json in it requires the Docker platform)' },
  { ...COMMON_FLAGS.label!, help: 'the label about to be deployed (never its own rollback target)' },
  { name: 'bucket', help: "S3 bucket (default: Elastic Beanstalk's own)" },
  { name: 'key-prefix', help: 'S3 key prefix (default eb-pipeline/<application>)' },
  COMMON_FLAGS.region!,
];

const MARK = { ok: 'ok  ', warning: 'WARN', failed: 'FAIL' } as const;

export const preflightCommand: Command = {
  summary: 'check permissions and resources a deploy needs, changing nothing',
  run: (argv) =>
    runCommand('preflight', argv, 'usage: eb-pipeline preflight -a APP -e ENV [-b BUNDLE] [options]', FLAGS, async (f) => {
      const applicationName = validateApplicationName('application-name', requireValue(f.read, 'application-name'));
      const environmentName = validateEnvironmentName('environment-name', requireValue(f.read, 'environment-name'));
      const label = readString(f.read, 'version-label');
      const bundle = readString(f.read, 'bundle') ? parseBundlePath(f.read, 'bundle', '.') : undefined;
      const region = parseRegion(f.read, 'region');
      const result = await preflight(cliDeps(region, f.debug), {
        applicationName,
        environmentName,
        versionLabel: label ? validateVersionLabel('version-label', label) : undefined,
        upload: { bucket: parseBucket(f.read, 'bucket'), keyPrefix: parseKeyPrefix(f.read, 'key-prefix', `eb-pipeline/${applicationName}`) },
        dockerBundle: bundle !== undefined && existsSync(join(bundle, 'Dockerrun.aws.json')),
      });
      // Details carry names and messages from AWS: through printLine (inert), like every CLI line.
      for (const c of result.checks) printLine(`${MARK[c.outcome]}  ${c.name}: ${c.detail}`);
      printLine(`\nnot provable without trying (granted by the documented policies):\n${result.untested.map((u) => `  - ${u}`).join('\n')}`);
      printLine(result.passed ? '\npreflight passed: nothing was changed' : '\npreflight FAILED: nothing was changed; fix what is marked FAIL');
      return result.passed ? EXIT_OK : EXIT_FAILED;
    }),
};
