// The pipeline's own scripts, run by the demo as the workflows run them: actions/django-test's
// django-test.sh, scripts/build-images.sh (podman here, docker buildx on runners) and
// scripts/make-bundle.sh. Their progress is shown briefly; the whole output is kept in a log file.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The base image's stand-in for python:3.12-slim-bookworm when PyPI and Docker Hub are out of reach. */
export const STAND_IN_PYTHON_IMAGE = 'localhost/debian:bookworm';

export interface ScriptRun {
  code: number;
  /** key=value lines of stdout (the scripts' outputs). */
  outputs: Record<string, string>;
  seconds: number;
}

/**
 * Runs `bash script` with `env` (on top of PATH and HOME only), appending everything to `logFile`
 * and passing lines that match `show` to `print`.
 */
export async function runScript(script: string, env: Record<string, string>, logFile: string, show: RegExp, print: (line: string) => void): Promise<ScriptRun> {
  const started = Date.now();
  const log = createWriteStream(logFile, { flags: 'a' });
  let stdout = '';
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', [script], { env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/root', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (show.test(line)) print(line);
    };
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      onData(c);
    });
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? 1));
  });
  await new Promise((resolve) => log.end(resolve));
  const outputs: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([a-z][a-z0-9-]*)=(.*)$/.exec(line);
    if (m?.[1]) outputs[m[1]] = m[2] ?? '';
  }
  return { code, outputs, seconds: (Date.now() - started) / 1000 };
}

async function podmanImageExists(name: string): Promise<boolean> {
  return exec('podman', ['--cgroup-manager=cgroupfs', 'image', 'exists', name]).then(() => true, () => false);
}

/**
 * The stand-in base's FROM: Debian bookworm (debootstrap from deb.debian.org, ≈30 s, once per
 * machine) imported into podman. Returns false when it was there already.
 */
export async function ensureStandInPythonImage(print: (line: string) => void): Promise<boolean> {
  if (await podmanImageExists(STAND_IN_PYTHON_IMAGE)) return false;
  print(`${STAND_IN_PYTHON_IMAGE} is not in podman's storage: debootstrap bookworm from deb.debian.org (once per machine)`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'debootstrap-'));
  try {
    await exec('debootstrap', ['--variant=minbase', 'bookworm', path.join(dir, 'root'), 'http://deb.debian.org/debian'], { maxBuffer: 64 * 1024 * 1024 });
    await exec('sh', ['-c', 'tar -C "$1" -c . | podman --cgroup-manager=cgroupfs import - "$2"', 'import', path.join(dir, 'root'), STAND_IN_PYTHON_IMAGE], { maxBuffer: 16 * 1024 * 1024 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return true;
}
