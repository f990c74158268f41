// Child processes the bench starts: timed, optionally under GNU time for their peak RSS, and
// tracked so that every one still running is stopped at the end, even when a measurement fails.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessRun {
  code: number;
  startedAt: number;
  /** Date.now() when the process exited (its stdio closed). */
  endedAt: number;
  wallMs: number;
  stdout: string;
  stderr: string;
  /** From `/usr/bin/time -v` when `measureRss` was asked; kilobytes. */
  maxRssKb: number | undefined;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Wrap in `/usr/bin/time -v` and read "Maximum resident set size". */
  measureRss?: boolean;
  /** Kill the process after this long (it then counts as failed). */
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();

/** The Node 24 binary `scripts/node24` points at, called directly so no shell is timed. */
export const NODE24 = process.execPath;

export function runProcess(command: string, args: string[], opts: RunOptions = {}): Promise<ProcessRun> {
  const [file, argv] = opts.measureRss ? ['/usr/bin/time', ['-v', command, ...args]] : [command, args];
  const startedAt = Date.now();
  const child = spawn(file, argv, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timer = opts.timeoutMs ? setTimeout(() => stopProcess(child), opts.timeoutMs) : undefined;
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      live.delete(child);
      clearTimeout(timer);
      reject(new Error(`${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      const endedAt = Date.now();
      live.delete(child);
      clearTimeout(timer);
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
      resolve({
        code: code ?? (signal ? 128 : 1),
        startedAt,
        endedAt,
        wallMs: endedAt - startedAt,
        stdout,
        stderr,
        maxRssKb: rss === undefined ? undefined : Number(rss),
      });
    });
  });
}

function stopProcess(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM'); // its own group: reaches what it started too
  } catch {
    child.kill('SIGTERM');
  }
}

/** Stops every child still running (each by its own process group id). */
export function stopAllProcesses(): void {
  for (const child of live) stopProcess(child);
}

/** The last lines of a failed run, for an error message. */
export function tail(run: ProcessRun, lines = 8): string {
  return `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-lines).join('\n');
}
