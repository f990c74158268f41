// .platform/hooks/{prebuild,predeploy,postdeploy} as EB runs them on Amazon Linux 2 and 2023 (EB
// developer guide, "Extending Elastic Beanstalk Linux platforms" → "Platform hooks"): the files of
// each folder in lexicographic order, as root, with the application's root as working directory
// (the staging directory for prebuild and predeploy, the current one for postdeploy); EB makes them
// executable itself (platform versions since 2022-04-29); the first to exit non-zero aborts and
// fails the deployment.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export type HookStage = 'prebuild' | 'predeploy' | 'postdeploy';

/** A hook exited non-zero; the message is the engine's. */
export class HookError extends Error {}

export async function hookFiles(bundleDir: string, stage: HookStage): Promise<string[]> {
  const dir = path.join(bundleDir, '.platform', 'hooks', stage);
  const names = await readdir(dir).catch(() => [] as string[]);
  const files: string[] = [];
  for (const name of names.sort()) {
    if ((await stat(path.join(dir, name))).isFile()) files.push(path.join(dir, name));
  }
  return files;
}

export interface HookRun {
  bundleDir: string;
  stage: HookStage;
  /** Prepended to PATH: where the hooks find `docker` (container.ts dockerShim). */
  binDir?: string;
  logFile: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs the stage's hooks in order; resolves with the names run, throws HookError on the first failure. */
export async function runHooks(run: HookRun): Promise<string[]> {
  const ran: string[] = [];
  for (const file of await hookFiles(run.bundleDir, run.stage)) {
    const rel = path.relative(run.bundleDir, file);
    await chmod(file, 0o755);
    // A CRLF script fails on EB with "bad interpreter"; say why here rather than let sh guess.
    const head = (await readFile(file)).subarray(0, 200).toString('latin1');
    if (head.startsWith('#!') && head.split('\n')[0]?.endsWith('\r')) {
      throw new HookError(`Command ${rel} failed: its #! line ends with a Windows line ending (CRLF).`);
    }
    const log = openSync(run.logFile, 'a');
    let code: number | null;
    try {
      code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(file, [], {
          cwd: run.bundleDir,
          env: { ...process.env, PATH: `${run.binDir ? `${run.binDir}:` : ''}${process.env.PATH ?? '/usr/bin:/bin'}` },
          stdio: ['ignore', log, log],
          ...(run.signal ? { signal: run.signal } : {}),
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs);
        child.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        child.on('exit', (c, sig) => {
          clearTimeout(timer);
          resolve(sig ? 128 : c);
        });
      });
    } finally {
      closeSync(log);
    }
    if (code !== 0) {
      const tail = (await readFile(run.logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' | ');
      throw new HookError(`Command ${rel} failed with error exit status ${String(code)}. Stderr: ${tail}`);
    }
    ran.push(rel);
  }
  return ran;
}
