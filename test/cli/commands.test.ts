// Every `eb-pipeline` command goes through runCommand (src/cli/command-support.ts): the same
// argument parser, the same refusal of a bad option (the error, the synopsis, exit 2) and the same
// --help. In-process and before anything starts: no emulator, no AWS, no child process.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT_OK, EXIT_USAGE, helpText } from '../../src/cli/command-support.js';
import { parseStartOptions } from '../../src/cli/emulator.js';
import { main } from '../../src/cli/main.js';

let out: string[];
let err: string[];

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

async function commandNames(): Promise<string[]> {
  expect(await main(['--help'])).toBe(EXIT_OK);
  const listing = out.join('\n').split('commands:\n')[1] ?? '';
  return [...listing.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1] ?? '');
}

/** The words that name a runnable command: `emulator` runs as `emulator start`. */
const invocation = (name: string): string[] => (name === 'emulator' ? ['emulator', 'start'] : [name]);

describe('every eb-pipeline command', () => {
  it('is listed by eb-pipeline --help', async () => {
    expect(await commandNames()).toEqual(['deploy', 'rollback', 'prune', 'status', 'verify-promotion', 'preflight', 'emulator', 'demo']);
  });

  it('refuses an unknown option with the error, its synopsis and exit 2', async () => {
    for (const name of await commandNames()) {
      const words = invocation(name);
      err = [];
      expect(await main([...words, '--bogus', 'x']), name).toBe(EXIT_USAGE);
      const shown = words.join(' ');
      expect(err.join('\n'), name).toMatch(new RegExp(`^eb-pipeline ${shown}: Unknown option '--bogus'.*\nusage: eb-pipeline ${shown} .*(\n.*)*\n\\(see \`eb-pipeline ${shown} --help\`\\)$`));
      // The synopsis only: not what the command does, not the options.
      expect(err.join('\n'), name).not.toMatch(/\n\n|options:/);
    }
  });

  it('refuses a stray argument the same way', async () => {
    for (const name of await commandNames()) {
      err = [];
      expect(await main([...invocation(name), 'stray']), name).toBe(EXIT_USAGE);
      expect(err.join('\n'), name).toMatch(/Unexpected argument 'stray'/);
    }
  });

  it('answers --help with its synopsis, options, --debug and --help, exit 0', async () => {
    for (const name of await commandNames()) {
      out = [];
      expect(await main([...invocation(name), '--help']), name).toBe(EXIT_OK);
      const help = out.join('\n');
      expect(help, name).toMatch(new RegExp(`^usage: eb-pipeline ${invocation(name).join(' ')} `));
      expect(help, name).toMatch(/\n\noptions:\n(.*\n)*\s+--debug\s+verbose output\n {2}-h, --help\s+show this help$/);
      expect(err, name).toEqual([]);
    }
  });
});

describe('eb-pipeline demo', () => {
  it('refuses a bad --time-scale or --database-url before starting anything', async () => {
    expect(await main(['demo', '--time-scale', 'fast'])).toBe(EXIT_USAGE);
    expect(await main(['demo', '--time-scale', '2'])).toBe(EXIT_USAGE);
    expect(await main(['demo', '--database-url', 'mysql://db/x'])).toBe(EXIT_USAGE);
    expect(await main(['demo', '--fast', 'yes'])).toBe(EXIT_USAGE);
    expect(err).toEqual([
      'eb-pipeline demo: --time-scale must be a number in (0, 1], got "fast"\n(see `eb-pipeline demo --help`)',
      'eb-pipeline demo: --time-scale must be a number in (0, 1], got "2"\n(see `eb-pipeline demo --help`)',
      'eb-pipeline demo: --database-url must look like postgres://USER@HOST:PORT/NAME, got "mysql://db/x"\n(see `eb-pipeline demo --help`)',
      expect.stringMatching(/^eb-pipeline demo: Unexpected argument 'yes'/),
    ]);
  });

  it('documents its knobs and their defaults', async () => {
    expect(await main(['demo', '-h'])).toBe(EXIT_OK);
    const help = out.join('\n');
    expect(help).toContain('Exits 0 only when that story held.');
    expect(help).toMatch(/ {6}--fast {15}the deploy story only/);
    expect(help).toMatch(/--database-url URL {3}PostgreSQL for the app; the database is dropped and created\n {27}\(default postgres:\/\/postgres@127\.0\.0\.1:5432\/django_eb_demo\)/);
    expect(help).toMatch(/--registry-dir DIR {3}where the local registry keeps images between runs\n {27}\(default .*demo-registry\)/);
  });
});

describe('eb-pipeline emulator', () => {
  it('start: flags become the emulator options; a bad one is named with the form expected', async () => {
    expect(parseStartOptions([])).toEqual({});
    expect(parseStartOptions(['--eb-port', '0', '--s3-port', '4569', '--host', '0.0.0.0', '--time-scale', '0.1', '--version-quota', '7'])).toEqual({
      ebPort: 0,
      s3Port: 4569,
      host: '0.0.0.0',
      timeScale: 0.1,
      versionQuota: 7,
    });
    expect(await main(['emulator', 'start', '--time-scale', 'fast'])).toBe(EXIT_USAGE);
    expect(await main(['emulator', 'start', '--eb-port', '70000'])).toBe(EXIT_USAGE);
    expect(await main(['emulator', 'start', '--version-quota', '1.5'])).toBe(EXIT_USAGE);
    expect(err).toEqual([
      'eb-pipeline emulator start: --time-scale must be a number > 0 (e.g. 0.1), got "fast"\n(see `eb-pipeline emulator start --help`)',
      'eb-pipeline emulator start: --eb-port must be a port number 0-65535, got "70000"\n(see `eb-pipeline emulator start --help`)',
      'eb-pipeline emulator start: --version-quota must be an integer >= 1, got "1.5"\n(see `eb-pipeline emulator start --help`)',
    ]);
  });

  it('without start: the help (exit 0 when asked for, 2 otherwise); an unknown subcommand is an error', async () => {
    expect(await main(['emulator', '--help'])).toBe(EXIT_OK);
    expect(await main(['emulator'])).toBe(EXIT_USAGE);
    expect(out).toHaveLength(2);
    for (const help of out) expect(help).toMatch(/^usage: eb-pipeline emulator start (.*\n)*\noptions:\n/);
    expect(err).toEqual([]);
    expect(await main(['emulator', 'stop'])).toBe(EXIT_USAGE);
    expect(err).toEqual([expect.stringMatching(/^eb-pipeline emulator: unknown subcommand "stop"\nusage: eb-pipeline emulator start .*\n.*\[--credentials FILE\]\n\(see `eb-pipeline emulator --help`\)$/)]);
  });
});

describe('helpText', () => {
  it('puts an argument after the flag and indents the lines of a long help under the first', () => {
    const text = helpText('usage: x [options]\n\nDoes x.', [
      { name: 'name', short: 'n', help: 'a name' },
      { name: 'port', arg: 'N', help: 'a port\n(default: a free one)' },
      { name: 'fast', boolean: true, help: 'faster' },
    ]);
    expect(text.split('\n')).toEqual([
      'usage: x [options]',
      '',
      'Does x.',
      '',
      'options:',
      '  -n, --name     a name',
      '      --port N   a port',
      '                 (default: a free one)',
      '      --fast     faster',
      '      --debug    verbose output',
      '  -h, --help     show this help',
    ]);
  });
});
