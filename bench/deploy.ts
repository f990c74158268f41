// `npm run bench`: the deploy engine measured against awscli and Info-ZIP on one local emulator,
// in one run, printed as a table per measurement. Measurements, not tests: nothing here passes or
// fails except a measurement that cannot run at all (its table says why; the exit code is 1).
//
//   BENCH_TIME_SCALE  emulator time scale for the deploy measurements (default 1 = EB timing)
//   BENCH_RUNS        repetitions of the detection measurement (default 3)
//   BENCH_TIMEOUT_S   hard limit for the whole run (default 1200)
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateApplicationCommand } from '@aws-sdk/client-elastic-beanstalk';
import { startEmulator, type Emulator } from '../src/emulator/index.js';
import { snapshotActionBundles } from './deploy/action-bundles.js';
import { actionOverheadTable } from './deploy/action-overhead.js';
import { measureColdStart } from './deploy/cold-start.js';
import type { BenchContext } from './deploy/context.js';
import { runDeployActionTwice } from './deploy/deploy-runs.js';
import { measureDetection, prepareDetection } from './deploy/detection.js';
import { measureRecovery } from './deploy/recovery.js';
import { createGreenEnvironment, emulatorClients, type Clients } from './deploy/eb-fixture.js';
import { stopAllProcesses } from './deploy/processes.js';
import { failedTable, renderTable, type Table } from './deploy/report.js';
import { rerunBytesTable } from './deploy/rerun-bytes.js';
import { measureUpload } from './deploy/upload-500mb.js';
import { measureZip } from './deploy/zip-time.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function numberFromEnv(name: string, fallback: number, valid: (n: number) => boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!valid(n)) throw new Error(`${name}="${raw}" is invalid: expected a positive number`);
  return n;
}

const timeScale = numberFromEnv('BENCH_TIME_SCALE', 1, (n) => n > 0 && n <= 1);
const runs = numberFromEnv('BENCH_RUNS', 3, (n) => Number.isInteger(n) && n >= 1 && n <= 10);
const timeoutS = numberFromEnv('BENCH_TIMEOUT_S', 1200, (n) => n > 0);

const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

function versionOf(cmd: string, args: string[], pick: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pick.exec(out)?.[0] ?? out.split('\n')[0] ?? '?';
  } catch {
    return 'not found';
  }
}

const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' / ');

function header(builtAt: Date, loadAtStart: string): string {
  const cpus = os.cpus();
  return [
    `## Deploy benchmarks — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}; ` +
      `Node ${process.version}; ${versionOf('/usr/bin/aws', ['--version'], /aws-cli\/\S+/)}; ${versionOf('/usr/bin/zip', ['-v'], /Zip \d\.\d+/)}; ` +
      `${versionOf('/usr/bin/hyperfine', ['--version'], /hyperfine \S+/)}.`,
    `Action bundles: dist/ built ${builtAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. Emulator: loopback, timeScale ${timeScale} for the deploy measurements.`,
    `Load average (1 / 5 / 15 min) at start ${loadAtStart}, at end ${loadAverage()}: other work on the machine shows up as spread in the timings.`,
    '',
  ].join('\n');
}

async function attempt(title: string, fn: () => Promise<Table>): Promise<Table> {
  try {
    return await fn();
  } catch (err) {
    log(`${title}: ${err instanceof Error ? err.message : String(err)}`);
    return failedTable(title, err);
  }
}

async function main(state: { emulator?: Emulator; clients?: Clients; tmp?: string }): Promise<boolean> {
  const started = Date.now();
  const loadAtStart = loadAverage();
  state.tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-deploy-'));
  const emulator = (state.emulator = await startEmulator({ timeScale }));
  const clients = (state.clients = emulatorClients(emulator));
  const bundles = await snapshotActionBundles(repoRoot, state.tmp);
  const ctx: BenchContext = { emulator, clients, bundles, tmp: state.tmp, app: 'bench', env: 'bench-env', timeScale, runs, log };

  // The environment launches (minutes of EB time) while the measurements that need no
  // environment run; those are mostly sleeping timers in the emulator meanwhile.
  log(`launching ${ctx.env} (timeScale ${timeScale}) in the background`);
  await clients.eb.send(new CreateApplicationCommand({ ApplicationName: ctx.app }));
  const environmentReady = Promise.all([createGreenEnvironment(emulator, clients, ctx.app, ctx.env, 'bench-v0', 300_000), prepareDetection(ctx)]);
  environmentReady.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"

  const zip = await attempt('4. Zip time and determinism', () => measureZip(ctx, repoRoot));
  const cold = await attempt('6. Cold start (Node 24)', () => measureColdStart(ctx));
  const upload = await attempt('2. Upload of a 500 MiB bundle', () => measureUpload(ctx));
  log('waiting for the environment to be Ready + Green');
  const envError = await environmentReady.then(() => undefined, (err: unknown) => err);
  const detection = envError
    ? failedTable('1. Green → exit latency (with the stability window)', envError)
    : await attempt('1. Green → exit latency (with the stability window)', () => measureDetection(ctx));
  let rerun: Table;
  let overhead: Table;
  if (envError) {
    rerun = failedTable('3. Re-run bytes', envError);
    overhead = failedTable('5. Time the deploy action adds', envError);
  } else {
    try {
      const deployRuns = await runDeployActionTwice(ctx);
      rerun = rerunBytesTable(deployRuns);
      overhead = actionOverheadTable(ctx, deployRuns);
    } catch (err) {
      log(`deploy action runs: ${err instanceof Error ? err.message : String(err)}`);
      rerun = failedTable('3. Re-run bytes', err);
      overhead = failedTable('5. Time the deploy action adds', err);
    }
  }
  const recovery = envError
    ? failedTable('7. Time to recover (broken release live → the previous version serving again)', envError)
    : await attempt('7. Time to recover (broken release live → the previous version serving again)', () => measureRecovery(ctx));
  const tables = [detection, recovery, upload, rerun, zip, overhead, cold];
  process.stdout.write(`${header(bundles.builtAt, loadAtStart)}\n${tables.map(renderTable).join('\n')}\nWhole bench: ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
  return tables.every((t) => !t.rows.some((r) => String(r[0]).startsWith('did not complete')));
}

async function cleanup(state: { emulator?: Emulator; clients?: Clients; tmp?: string }): Promise<void> {
  stopAllProcesses();
  state.clients?.eb.destroy();
  state.clients?.s3.destroy();
  await state.emulator?.stop().catch((err: unknown) => log(`stopping the emulator: ${String(err)}`));
  if (state.tmp) await rm(state.tmp, { recursive: true, force: true });
}

const state: { emulator?: Emulator; clients?: Clients; tmp?: string } = {};
let cleaning: Promise<void> | undefined;
const finish = (code: number): void => {
  cleaning ??= cleanup(state);
  void cleaning.finally(() => process.exit(code));
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => finish(130));
const watchdog = setTimeout(() => {
  log(`the bench exceeded BENCH_TIMEOUT_S=${timeoutS}: stopping everything`);
  finish(1);
}, timeoutS * 1000);
watchdog.unref();

main(state).then(
  (complete) => finish(complete ? 0 : 1),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    finish(1);
  },
);
