// What every CLI command shares: flags named exactly like the action inputs (parsed with
// node:util parseArgs), --help, and exit codes: 0 success, 1 deploy failed / rolled back,
// 2 usage or configuration error. A command's usage is its synopsis, optionally followed by a blank
// line and what it does: --help prints all of it, a bad option the synopsis.
import { parseArgs } from 'node:util';
import { ConfigurationError, DeployFailedError, errorMessage } from '../config/errors.js';
import type { InputReader } from '../config/parse.js';
import { createAwsClients } from '../aws/clients.js';
import { systemClock } from '../engine/clock.js';
import type { EngineDeps } from '../engine/deps.js';
import { consoleLogger, printError } from './console-logger.js';
import { APPLICATION_NAME, ENVIRONMENT_NAME, REGION } from '../config/interface/shared.js';
import { inputFlag } from './input-flags.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface FlagSpec {
  name: string;
  /** May run over several lines: the ones after the first are indented under it. */
  help: string;
  short?: string;
  /** What --help shows after the flag's name (`--time-scale X`). */
  arg?: string;
  /** A switch that takes no value: read as "true" when given. */
  boolean?: true;
}

/** The arguments do not parse (an unknown option, a missing value): the error comes with the synopsis. */
export class UsageError extends ConfigurationError {
  override name = 'UsageError';
}

export interface ParsedFlags {
  read: InputReader;
  help: boolean;
  debug: boolean;
}

function synopsis(usage: string): string {
  return usage.split('\n\n')[0] ?? usage;
}

/** Arguments that do not parse: the error, the synopsis, and where the rest is. */
export function printUsageError(name: string, message: string, usage: string): void {
  printError(`eb-pipeline ${name}: ${message}\n${synopsis(usage)}\n(see \`eb-pipeline ${name} --help\`)`);
}

export function helpText(usage: string, flags: FlagSpec[]): string {
  const label = (f: FlagSpec): string => (f.arg ? `${f.name} ${f.arg}` : f.name);
  const width = Math.max(...flags.map((f) => label(f).length)) + 2;
  const help = (f: FlagSpec): string => f.help.split('\n').join(`\n${' '.repeat(width + 9)}`);
  const lines = flags.map((f) => `  ${f.short ? `-${f.short}, ` : '    '}--${label(f).padEnd(width)} ${help(f)}`);
  return `${usage}\n\noptions:\n${lines.join('\n')}\n      --${'debug'.padEnd(width)} verbose output\n  -h, --${'help'.padEnd(width)} show this help`;
}

export function parseFlags(argv: string[], flags: FlagSpec[]): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } };
  for (const f of flags) options[f.name] = { type: f.boolean ? 'boolean' : 'string', ...(f.short ? { short: f.short } : {}) };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, allowPositionals: false, strict: true }));
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  return {
    read: (name) => {
      const v = values[name];
      return typeof v === 'string' ? v : v === true ? 'true' : '';
    },
    help: values.help === true,
    debug: values.debug === true,
  };
}

export function cliDeps(region: string | undefined, debug: boolean): EngineDeps {
  const { eb, s3, budget, region: resolved } = createAwsClients({ region, clock: systemClock });
  return { eb, s3, budget, clock: systemClock, log: consoleLogger({ debug }), region: resolved };
}

/** Runs a command body and maps what it throws to an exit code and one clear line. */
export async function runCommand(name: string, argv: string[], usage: string, flags: FlagSpec[], body: (f: ParsedFlags) => Promise<number>): Promise<number> {
  let parsed: ParsedFlags | undefined;
  try {
    parsed = parseFlags(argv, flags);
    if (parsed.help) {
      console.log(helpText(usage, flags));
      return EXIT_OK;
    }
    return await body(parsed);
  } catch (err) {
    if (err instanceof UsageError) {
      printUsageError(name, err.message, usage);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigurationError) {
      printError(`eb-pipeline ${name}: ${err.message}\n(see \`eb-pipeline ${name} --help\`)`);
      return EXIT_USAGE;
    }
    if (err instanceof DeployFailedError) {
      printError(`eb-pipeline ${name}: ${err.message}`);
      return EXIT_FAILED;
    }
    printError(`eb-pipeline ${name} failed: ${errorMessage(err)}`);
    if (parsed?.debug && err instanceof Error && err.stack) printError(err.stack);
    return EXIT_FAILED;
  }
}

// Flags of the commands that are not an action (status, preflight, verify-promotion), with the
// actions' help lines; the others take all of theirs from the action (src/cli/input-flags.ts).
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  app: inputFlag('application-name', APPLICATION_NAME),
  env: inputFlag('environment-name', ENVIRONMENT_NAME),
  region: inputFlag('region', REGION),
  label: { name: 'version-label', short: 'l', help: 'version label' },
};
