// Runs an action entry the way the runner does: a fresh Node 24 process, inputs as INPUT_<NAME>
// environment variables, and GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files it appends
// to; the post step gets the saved state back as STATE_<name> variables.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parseFileCommands } from '../../src/demo/run-action-entry.js';
import { writeTestAppBundle, type TestAppOptions } from '../support/test-app.js';

export interface EntryResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** `::error::` lines' messages. */
  errors: string[];
  warnings: string[];
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

export interface RunOptions {
  inputs: Record<string, string>;
  env: Record<string, string>;
  /** For the post step: the state the main step saved. */
  state?: Record<string, string>;
  /**
   * Run with the action's own gate defaults (the 45 s stability window). Otherwise the window is
   * 2 s: scenarios that are not about it stay fast (at the emulator's timeScale 0.02, EB reports
   * health every 0.2 s, so 2 s still spans about ten health reports).
   */
  defaultGate?: boolean;
  /** Called with the child once it runs (e.g. to kill it mid-deploy). */
  onSpawn?: (child: ChildProcess, stdout: () => string) => void;
  timeoutMs?: number;
}

function decodeCommand(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

const QUICK_GATE = { 'stable-seconds': '2' };

export async function runEntry(entry: string, opts: RunOptions): Promise<EntryResult> {
  const dir = await mkdtemp(join(tmpdir(), 'run-entry-'));
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STATE: join(dir, 'state'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
  await Promise.all(Object.values(files).map((f) => writeFile(f, '')));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('STATE_')) env[k] = v;
  Object.assign(env, opts.env, files, { GITHUB_ACTIONS: 'true', RUNNER_DEBUG: '1' });
  const inputs = opts.defaultGate ? opts.inputs : { ...QUICK_GATE, ...opts.inputs };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  for (const [k, v] of Object.entries(opts.state ?? {})) env[`STATE_${k}`] = v;
  try {
    // Node 24 itself (vitest runs on it), not the scripts/node24 wrapper: /bin/sh drops variables
    // whose names contain "-", like INPUT_APPLICATION-NAME, as the runner never does.
    const child = spawn(process.execPath, ['--import', 'tsx', `src/entries/${entry}.ts`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    opts.onSpawn?.(child, () => stdout);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    const lines = stdout.split('\n');
    const annotations = (kind: string) => lines.filter((l) => l.startsWith(`::${kind}`)).map((l) => decodeCommand(l.slice(l.indexOf('::', 2) + 2)));
    return {
      code,
      signal,
      stdout,
      stderr,
      errors: annotations('error'),
      warnings: annotations('warning'),
      outputs: parseFileCommands(await readFile(files.GITHUB_OUTPUT, 'utf8')),
      state: parseFileCommands(await readFile(files.GITHUB_STATE, 'utf8')),
      summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Which version the environment's load balancer serves right now. */
export async function servedVersion(cname: string | undefined): Promise<string> {
  if (!cname) throw new Error('the environment has no CNAME');
  const res = await fetch(`http://${cname}/`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { version?: string };
  return body.version ?? '';
}

/** A temp dir for a test file's bundles, removed after the file; the function lays out a test-app bundle in it. */
export function useBundleDir(prefix: string): (name: string, opts: TestAppOptions) => Promise<string> {
  const dir = mkdtemp(join(tmpdir(), `${prefix}-`));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));
  return async (name, opts) => {
    const target = join(await dir, name);
    await writeTestAppBundle(target, opts);
    return target;
  };
}

/** The deploy inputs most scenarios share: a 40 s deadline, a 1 min wait for Ready. */
export const deployInputs = (app: string, env: string, bundle: string): Record<string, string> => ({
  'application-name': app,
  'environment-name': env,
  bundle,
  'deploy-timeout': '40s',
  'ready-timeout': '1m',
});

/**
 * The runner's cancel sequence for a main step: SIGINT, then SIGTERM if it is still running
 * 7.5 s later. The caller then runs the post step with the state the main step saved.
 */
export function cancelLikeRunner(child: ChildProcess): void {
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGTERM'), 7500);
  child.on('close', () => clearTimeout(timer));
}

/** Calls `act` once every pattern has matched the child's stdout (checked every 100 ms). */
export function whenLogged(child: ChildProcess, stdout: () => string, patterns: RegExp[], act: () => void): void {
  const timer = setInterval(() => {
    if (patterns.every((p) => p.test(stdout()))) {
      clearInterval(timer);
      act();
    }
  }, 100);
  child.on('close', () => clearInterval(timer));
}
