// Starts the local stack the way the EB emulator does: the bundle's Procfile `web:` command, cwd =
// the bundle, PORT set, environment from the bundle's .ebextensions option settings.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DJANGO_DIR, PYTHON, cleanEnv } from './django.js';
import { descendants, isAlive, runOk, sleep } from './processes.js';

/** Lays out a local bundle with django-app/bin/make-local-bundle. */
export async function makeLocalBundle(dir: string, version: string, databaseUrl: string): Promise<void> {
  await runOk(PYTHON, [path.join(DJANGO_DIR, 'bin/make-local-bundle'), dir, version, '--database-url', databaseUrl], { env: cleanEnv({}) });
}

/** `aws:elasticbeanstalk:application:environment` from every .ebextensions/*.config, later files winning. */
export function ebEnvironment(bundleDir: string): Record<string, string> {
  const dir = path.join(bundleDir, '.ebextensions');
  const env: Record<string, string> = {};
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.config')).sort()) {
    const doc = parse(readFileSync(path.join(dir, file), 'utf8')) as { option_settings?: Record<string, Record<string, unknown>> };
    const settings = doc.option_settings?.['aws:elasticbeanstalk:application:environment'] ?? {};
    for (const [key, value] of Object.entries(settings)) env[key] = String(value);
  }
  return env;
}

export function procfileWebCommand(bundleDir: string): string {
  const line = readFileSync(path.join(bundleDir, 'Procfile'), 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('web:'));
  if (!line) throw new Error(`no web: entry in ${bundleDir}/Procfile`);
  return line.slice('web:'.length).trim();
}

export interface RunningStack {
  /** supervisord's pid: the Procfile command execs into it. */
  pid: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function startStack(bundleDir: string, env: Record<string, string>): RunningStack {
  const child = spawn('/bin/sh', ['-c', `exec ${procfileWebCommand(bundleDir)}`], {
    cwd: bundleDir,
    env: cleanEnv({ ...ebEnvironment(bundleDir), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  if (child.pid === undefined) throw new Error('the Procfile command did not start');
  return { pid: child.pid, child, output: () => output, exited };
}

/** Last resort for afterAll: SIGKILL the stack's whole tree by pid. */
export async function killStack(stack: RunningStack | undefined): Promise<void> {
  if (!stack) return;
  const pids = [stack.pid, ...descendants(stack.pid)].filter(isAlive);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await sleep(100);
}
