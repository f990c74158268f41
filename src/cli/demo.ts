// `eb-pipeline demo`: the local story (src/demo/demo.ts) with its few knobs.
import { parseArgs } from 'node:util';
import { runDemo } from '../demo/demo.js';
import type { Command } from './main.js';

const USAGE = `usage: eb-pipeline demo [--time-scale X] [--database-url URL]

Starts the local emulator, deploys the reference Django app v1 (Green, serving), then a broken v2
that the health gate catches and rolls back. Exits 0 only when that story held.

  --time-scale X        emulator speed: 1 = EB's real timing, 0.1 (default) = ten times faster
  --database-url URL    PostgreSQL for the app; the database is dropped and created
                        (default postgres://postgres@127.0.0.1:5432/django_eb_demo)`;

export const demoCommand: Command = {
  summary: 'run the whole deploy story locally: healthy v1, broken v2 rolled back',
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: { 'time-scale': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      }));
    } catch (err) {
      console.error(`eb-pipeline demo: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
      return 2;
    }
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const timeScale = Number(values['time-scale'] ?? '0.1');
    if (!(timeScale > 0 && timeScale <= 1)) {
      console.error(`eb-pipeline demo: --time-scale must be a number in (0, 1], got "${values['time-scale']}"`);
      return 2;
    }
    const databaseUrl = values['database-url'] ?? 'postgres://postgres@127.0.0.1:5432/django_eb_demo';
    if (!/^postgres(ql)?:\/\/[^/]+\/[A-Za-z_][A-Za-z0-9_]*$/.test(databaseUrl)) {
      console.error(`eb-pipeline demo: --database-url must look like postgres://USER@HOST:PORT/NAME, got "${databaseUrl}"`);
      return 2;
    }
    const held = await runDemo({ timeScale, databaseUrl, print: (line) => console.log(line) });
    return held ? 0 : 1;
  },
};
