// Requests per second on the reference Django app, same machine, same run, loopback only:
// nginx → unix socket → uWSGI (several process/thread settings) next to gunicorn and runserver,
// on /healthz (one SELECT 1) and on the notes page (a query + a template). wrk; every target gets
// `rounds` runs of `seconds` per URL (10-15 s in all by default), the median is reported.
//
//   npm run bench:django -- [--seconds 5] [--rounds 3] [--connections 32]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PYTHON, cleanEnv } from '../test/django/support/django.js';
import { freePort, runOk, sleep, waitForHttp } from '../test/django/support/processes.js';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../test/django/support/postgres.js';
import { ebEnvironment, makeLocalBundle, startStack } from '../test/django/support/stack.js';
import { wrk, type WrkResult } from './lib/wrk.js';

interface Running {
  stop(): Promise<void>;
}

interface Target {
  name: string;
  start(port: number): Running;
}

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '32' } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
if (![seconds, rounds, connections].every((n) => Number.isInteger(n) && n >= 1)) {
  throw new Error('--seconds, --rounds and --connections take positive integers, e.g. --seconds 5 --rounds 3 --connections 32');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function spawnServer(bundleDir: string, env: Record<string, string>, command: string, args: string[]): Running {
  const child = spawn(command, args, { cwd: bundleDir, env: cleanEnv({ ...ebEnvironment(bundleDir), ...env }), stdio: 'ignore' });
  return { stop: () => stopChild(child) };
}

function targets(bundleDir: string, workDir: string, env: Record<string, string>): Target[] {
  const uwsgi = (processes: number, threads: number): Target => ({
    name: `nginx → uWSGI ${processes}p×${threads}t`,
    start(port) {
      const stack = startStack(bundleDir, {
        ...env,
        PORT: String(port),
        STACK_RUN_DIR: path.join(workDir, `run-${processes}-${threads}`),
        UWSGI_PROCESSES: String(processes),
        UWSGI_THREADS: String(threads),
      });
      return { stop: () => stopChild(stack.child) };
    },
  });
  return [
    uwsgi(2, 1),
    uwsgi(4, 1),
    uwsgi(4, 2),
    uwsgi(8, 1),
    {
      name: 'gunicorn 4w×2t (gthread)',
      start: (port) =>
        spawnServer(bundleDir, env, '/usr/bin/gunicorn', ['config.wsgi:application', '--workers', '4', '--threads', '2', '--worker-class', 'gthread', '--bind', `127.0.0.1:${port}`, '--log-level', 'warning']),
    },
    {
      // A thread per connection, and runserver closes every connection: persistent database
      // connections would pile up past PostgreSQL's max_connections, so none for runserver.
      name: 'runserver (threaded)',
      start: (port) => spawnServer(bundleDir, { ...env, DATABASE_CONN_MAX_AGE: '0' }, PYTHON, ['manage.py', 'runserver', `127.0.0.1:${port}`, '--noreload']),
    },
  ];
}

interface Row {
  name: string;
  health: WrkResult;
  page: WrkResult;
}

/** The run with the median requests/s of several rounds. */
function median(results: WrkResult[]): WrkResult {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function printTable(rows: Row[]): void {
  const header = ['target', '/healthz req/s', 'p99 ms', 'notes page req/s', 'p99 ms', 'non-2xx', 'socket errors'];
  const lines = rows.map((row) => [
    row.name,
    row.health.requestsPerSecond.toFixed(0),
    row.health.latencyP99Ms.toFixed(1),
    row.page.requestsPerSecond.toFixed(0),
    row.page.latencyP99Ms.toFixed(1),
    String(row.health.non2xx + row.page.non2xx),
    String(row.health.socketErrors + row.page.socketErrors),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'bench-django-'));
  const database = uniqueDatabaseName('djbench');
  const bundleDir = path.join(workDir, 'bundle');
  const running: Running[] = [];
  try {
    await createDatabase(database);
    await makeLocalBundle(bundleDir, 'v-bench', databaseUrl(database));
    const env = { MIGRATE_ON_START: 'false', LOG_LEVEL: 'WARNING' };
    const managed = cleanEnv({ ...ebEnvironment(bundleDir), ...env });
    await runOk(PYTHON, ['manage.py', 'migrate_with_lock', '--verbosity', '0'], { cwd: bundleDir, env: managed });
    const seed = 'from notes.models import Note\nNote.objects.bulk_create([Note(title=f"note {i}", body="x" * 200) for i in range(20)])';
    await runOk(PYTHON, ['manage.py', 'shell', '-c', seed], { cwd: bundleDir, env: managed });

    // All servers run for the whole bench and are measured in rotating order, round after round, so
    // a change in the machine's load (other jobs on 2 cores) does not favour whoever came first.
    const all = targets(bundleDir, workDir, env);
    const urls: { name: string; base: string }[] = [];
    for (const target of all) {
      const port = await freePort();
      running.push(target.start(port));
      urls.push({ name: target.name, base: `http://127.0.0.1:${port}` });
    }
    for (const { base } of urls) {
      await waitForHttp(`${base}/healthz`, (status) => status === 200, 60_000);
      await wrk(`${base}/`, 2, connections); // warm-up: workers, database connections, caches
    }
    console.log(`wrk -t2 -c${connections} -d${seconds}s per URL, ${rounds} rounds (median shown), loopback, ${availableParallelism()} cores; the notes page lists 20 notes`);
    // The figures are only as quiet as the machine: other jobs on the same cores show up here.
    const loadBefore = loadavg()[0]!.toFixed(1);
    const results = urls.map(() => ({ health: [] as WrkResult[], page: [] as WrkResult[] }));
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < urls.length; k++) {
        const i = (k + round) % urls.length;
        const { name, base } = urls[i]!;
        const health = await wrk(`${base}/healthz`, seconds, connections);
        const page = await wrk(`${base}/`, seconds, connections);
        results[i]!.health.push(health);
        results[i]!.page.push(page);
        console.error(`  round ${round + 1} ${name}: ${health.requestsPerSecond.toFixed(0)} / ${page.requestsPerSecond.toFixed(0)} req/s`);
      }
    }
    console.log('');
    printTable(urls.map(({ name }, i) => ({ name, health: median(results[i]!.health), page: median(results[i]!.page) })));
    console.log(`\n1-minute load average: ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after (the bench itself adds about 2-3)`);
  } finally {
    for (const server of running) await server.stop();
    await sleep(500);
    await dropDatabase(database).catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
