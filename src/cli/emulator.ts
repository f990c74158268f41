// `eb-pipeline emulator start`: the emulator in the foreground until Ctrl-C.
import { readFileSync } from 'node:fs';
import { ConfigurationError, errorMessage } from '../config/errors.js';
import { readString, type InputReader } from '../config/parse.js';
import type { Command } from './command.js';
import { EXIT_OK, EXIT_USAGE, helpText, parseFlags, printUsageError, runCommand, type FlagSpec } from './command-support.js';
import { startEmulator, type AccessKeyOptions, type EmulatorOptions } from '../emulator/index.js';

const USAGE = `usage: eb-pipeline emulator start [--eb-port N] [--s3-port N] [--host H] [--time-scale X] [--version-quota N]
                                  [--credentials FILE]

Runs a local Elastic Beanstalk + S3 in the foreground and prints the variables that point the AWS SDK
and awscli at it. Ctrl-C stops it and every process it started.`;

const FLAGS: FlagSpec[] = [
  { name: 'eb-port', arg: 'N', help: 'Elastic Beanstalk port (default: a free one)' },
  { name: 's3-port', arg: 'N', help: 'S3 port (default: a free one)' },
  { name: 'host', arg: 'H', help: 'address to listen on (default 127.0.0.1)' },
  { name: 'time-scale', arg: 'X', help: "1 = EB's real timing; 0.1 = ten times faster (default 1)" },
  { name: 'version-quota', arg: 'N', help: 'application versions allowed in the account (default 1000)' },
  {
    name: 'credentials',
    arg: 'FILE',
    help: `the access keys requests must be signed with: a JSON list of
{"accessKeyId", "secretAccessKey", "userName"?, "policies"?: [IAM policy JSON]}
(default: one key, test/test, no policy); a key with policies is held to them;
the first key is the one printed below`,
  },
];

function number(flag: string, raw: string, check: (n: number) => boolean, expected: string): number | undefined {
  if (raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new ConfigurationError(`${flag} must be ${expected}, got "${raw}"`);
  return n;
}

function credentialsFile(file: string): AccessKeyOptions[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigurationError(`--credentials ${file}: cannot read it as JSON (${errorMessage(err)})`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigurationError(`--credentials ${file}: expected a JSON list of {"accessKeyId", "secretAccessKey"} objects`);
  }
  return parsed as AccessKeyOptions[];
}

function startOptions(read: InputReader): EmulatorOptions {
  const port = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 65535;
  const opts: EmulatorOptions = {};
  const ebPort = number('--eb-port', readString(read, 'eb-port'), port, 'a port number 0-65535');
  const s3Port = number('--s3-port', readString(read, 's3-port'), port, 'a port number 0-65535');
  const timeScale = number('--time-scale', readString(read, 'time-scale'), (n) => n > 0, 'a number > 0 (e.g. 0.1)');
  const versionQuota = number('--version-quota', readString(read, 'version-quota'), (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
  if (ebPort !== undefined) opts.ebPort = ebPort;
  if (s3Port !== undefined) opts.s3Port = s3Port;
  if (timeScale !== undefined) opts.timeScale = timeScale;
  if (versionQuota !== undefined) opts.versionQuota = versionQuota;
  const host = readString(read, 'host');
  if (host) opts.host = host;
  const credentials = readString(read, 'credentials');
  if (credentials) opts.credentials = credentialsFile(credentials);
  return opts;
}

/** `emulator start`'s arguments as the emulator takes them; a ConfigurationError naming the flag when they are wrong. */
export function parseStartOptions(argv: string[]): EmulatorOptions {
  return startOptions(parseFlags(argv, FLAGS).read);
}

async function runUntilStopped(opts: EmulatorOptions): Promise<void> {
  const emulator = await startEmulator(opts);
  const lines = Object.entries(emulator.env).map(([k, v]) => `export ${k}=${v}`);
  console.log(`# Elastic Beanstalk emulator ready (Ctrl-C to stop). Point the AWS SDK / awscli at it with:\n${lines.join('\n')}`);
  console.log(`# faults: curl -X POST ${emulator.ebEndpoint}/_emulator/faults -d '{"throttle":{"burst":3}}'  state: curl ${emulator.ebEndpoint}/_emulator/state`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  console.log('# stopping the emulator and everything it started');
  await emulator.stop();
}

export const emulatorCommand: Command = {
  summary: 'run the local Elastic Beanstalk + S3 emulator (emulator start --help)',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'start') {
      return runCommand('emulator start', rest, USAGE, FLAGS, async (f) => {
        await runUntilStopped(startOptions(f.read));
        return EXIT_OK;
      });
    }
    // `start` is the one subcommand; like `eb-pipeline` itself, no subcommand shows the help (exit 0
    // only when asked for) and an unknown one is an error.
    if (sub === undefined || sub === '--help' || sub === '-h') {
      console.log(helpText(USAGE, FLAGS));
      return sub ? EXIT_OK : EXIT_USAGE;
    }
    printUsageError('emulator', `unknown subcommand "${sub}"`, USAGE);
    return EXIT_USAGE;
  },
};
