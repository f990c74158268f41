// 6. Cold start: the deploy action bundle with no inputs (it loads everything, validates, and
// fails fast on the first missing input) vs `node -e 0`, both on Node 24, timed by hyperfine.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchContext } from './context.js';
import { NODE24, runProcess, tail } from './processes.js';
import type { Table } from './report.js';

interface HyperfineResult {
  command: string;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  exit_codes: number[];
}

export async function measureColdStart(ctx: BenchContext): Promise<Table> {
  const deploy = ctx.bundles.entry('deploy');
  const json = path.join(ctx.tmp, 'hyperfine.json');
  // No INPUT_* and no GITHUB_* files: the action must stop at input validation.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')));
  const probe = await runProcess(NODE24, [deploy], { env, timeoutMs: 30_000 });
  const message = /::error::(.*)/.exec(probe.stdout)?.[1] ?? tail(probe, 2);
  const run = await runProcess(
    '/usr/bin/hyperfine',
    ['-N', '--warmup', '3', '--runs', '30', '-i', '--export-json', json, '-n', 'deploy bundle, no inputs', `${NODE24} ${deploy}`, '-n', 'node -e 0', `${NODE24} -e 0`],
    { env, timeoutMs: 120_000 },
  );
  if (run.code !== 0) throw new Error(`hyperfine failed (exit ${run.code}): ${tail(run)}`);
  const { results } = JSON.parse(await readFile(json, 'utf8')) as { results: HyperfineResult[] };
  const ms = (s: number): string => (s * 1000).toFixed(1);
  const base = results.find((r) => r.command === 'node -e 0')?.mean ?? Number.NaN;
  return {
    title: '6. Cold start (Node 24)',
    note: `hyperfine -N, 3 warm-ups, 30 runs each; milliseconds. The bundle is ${(((await readFile(deploy)).length) / 1048576).toFixed(1)} MiB of ncc output.`,
    columns: ['command', 'mean ms', '± σ ms', 'min ms', 'max ms', 'exit code', 'vs node -e 0'],
    rows: results.map((r) => [r.command, ms(r.mean), ms(r.stddev), ms(r.min), ms(r.max), [...new Set(r.exit_codes)].join(','), `+${ms(r.mean - base)} ms`]),
    footer: [`With no inputs the bundle exits ${probe.code} with: ${message.slice(0, 160)}`],
  };
}
