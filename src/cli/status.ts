// `eb-pipeline status`: what an environment runs, its health per instance, its latest events.
import { ConfigurationError } from '../config/errors.js';
import { readString, requireValue, validateApplicationName, validateEnvironmentName, parseRegion } from '../config/parse.js';
import { environmentStatus } from '../engine/operations.js';
import type { Command } from './command.js';
import { COMMON_FLAGS, EXIT_OK, cliDeps, runCommand, type FlagSpec } from './command-support.js';
import { printLine } from './console-logger.js';
import { inertJson } from '../engine/inert.js';

const FLAGS: FlagSpec[] = [COMMON_FLAGS.app!, COMMON_FLAGS.env!, COMMON_FLAGS.region!, { name: 'json', help: 'true: print JSON' }];

export const statusCommand: Command = {
  summary: "show an environment's version, health per instance and latest events",
  run: (argv) =>
    runCommand('status', argv, 'usage: eb-pipeline status -a APP -e ENV [--json true]', FLAGS, async (f) => {
      const app = validateApplicationName('application-name', requireValue(f.read, 'application-name'));
      const env = validateEnvironmentName('environment-name', requireValue(f.read, 'environment-name'));
      const region = parseRegion(f.read, 'region');
      const json = readString(f.read, 'json');
      if (json && json !== 'true' && json !== 'false') throw new ConfigurationError(`input "json" is invalid ("${json}"): expected "true" or "false"`);
      const s = await environmentStatus(cliDeps(region, f.debug), { applicationName: app, environmentName: env });
      if (json === 'true') {
        // JSON.stringify escapes line breaks, so no line starts with "::"; inertJson defuses "##[" in strings.
        console.log(inertJson(JSON.stringify({ ...s.environment, url: s.url, instances: s.instances, events: s.events }, null, 2)));
        return EXIT_OK;
      }
      const e = s.environment;
      printLine(`${env}: ${e.Status ?? '?'} ${e.Health ?? '?'}${e.HealthStatus ? ` (${e.HealthStatus})` : ''} on "${e.VersionLabel ?? '?'}"  ${s.url}`);
      if (s.instances) for (const i of s.instances) printLine(`  ${i.id}: ${i.healthStatus ?? i.color ?? '?'} on "${i.versionLabel ?? '?'}"`);
      else printLine('  (enhanced health is off: no per-instance state)');
      for (const ev of [...s.events].reverse()) printLine(`  ${ev.EventDate?.toISOString() ?? ''} ${ev.Severity ?? ''} ${ev.Message ?? ''}`);
      return EXIT_OK;
    }),
};
