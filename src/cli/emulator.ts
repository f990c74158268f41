// `eb-pipeline emulator start`: the emulator in the foreground until Ctrl-C.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { startEmulator, type AccessKeyOptions, type EmulatorOptions } from '../emulator/index.js';

const USAGE = `usage: eb-pipeline emulator start [--eb-port N] [--s3-port N] [--host H] [--time-scale X] [--version-quota N]
                                  [--credentials FILE]

Runs a local Elastic Beanstalk + S3 in the foreground and prints the variables that point the AWS SDK
and awscli at it. Ctrl-C stops it and every process it started.
  --eb-port N        Elastic Beanstalk port (default: a free one)
  --s3-port N        S3 port (default: a free one)
  --host H           address to listen on (default 127.0.0.1)
  --time-scale X     1 = EB's real timing; 0.1 = ten times faster (default 1)
  --version-quota N  application versions allowed in the account (default 1000)
  --credentials FILE the access keys requests must be signed with: a JSON list of
                     {"accessKeyId", "secretAccessKey", "userName"?, "policies"?: [IAM policy JSON]}
                     (default: one key, test/test, no policy); a key with policies is held to them;
                     the first key is the one printed below`;

function number(flag: string, raw: string | undefined, check: (n: number) => boolean, expected: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) throw new Error(`${flag} must be ${expected}, got "${raw}"`);
  return n;
}

function credentialsFile(file: string): AccessKeyOptions[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--credentials ${file}: cannot read it as JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new Error(`--credentials ${file}: expected a JSON list of {"accessKeyId", "secretAccessKey"} objects`);
  }
  return parsed as AccessKeyOptions[];
}

export function parseStartOptions(argv: string[]): EmulatorOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'eb-port': { type: 'string' },
      's3-port': { type: 'string' },
      host: { type: 'string' },
      'time-scale': { type: 'string' },
      'version-quota': { type: 'string' },
      credentials: { type: 'string' },
    },
    strict: true,
  });
  const port = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 65535;
  const opts: EmulatorOptions = {};
  const ebPort = number('--eb-port', values['eb-port'], port, 'a port number 0-65535');
  const s3Port = number('--s3-port', values['s3-port'], port, 'a port number 0-65535');
  const timeScale = number('--time-scale', values['time-scale'], (n) => n > 0, 'a number > 0 (e.g. 0.1)');
  const versionQuota = number('--version-quota', values['version-quota'], (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
  if (ebPort !== undefined) opts.ebPort = ebPort;
  if (s3Port !== undefined) opts.s3Port = s3Port;
  if (timeScale !== undefined) opts.timeScale = timeScale;
  if (versionQuota !== undefined) opts.versionQuota = versionQuota;
  if (values.host !== undefined) opts.host = values.host;
  if (values.credentials !== undefined) opts.credentials = credentialsFile(values.credentials);
  return opts;
}

export const emulatorCommand: Command = {
  summary: 'run the local Elastic Beanstalk + S3 emulator (emulator start --help)',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'start' || rest.includes('--help') || rest.includes('-h')) {
      console.log(USAGE);
      return sub === 'start' || sub === '--help' || sub === '-h' ? 0 : 2;
    }
    let opts: EmulatorOptions;
    try {
      opts = parseStartOptions(rest);
    } catch (err) {
      console.error(`eb-pipeline emulator start: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
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
    return 0;
  },
};
