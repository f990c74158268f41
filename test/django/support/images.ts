// podman helpers for the image tests. podman BUILDS here (chroot isolation, cgroupfs) but cannot
// `run`, and no registry is reachable: the stand-in base image is a debootstrapped Debian imported
// once and cached in podman's storage across runs.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DJANGO_DIR, PYTHON } from './django.js';
import { run, runOk, type RunResult } from './processes.js';

export const STAND_IN_PYTHON_IMAGE = 'localhost/debian:bookworm';
const PODMAN_GLOBAL = ['--cgroup-manager=cgroupfs'];

export function podman(args: readonly string[], timeoutMs = 600_000): Promise<RunResult> {
  return runOk('podman', [...PODMAN_GLOBAL, ...args], { timeoutMs });
}

export async function imageExists(name: string): Promise<boolean> {
  return (await run('podman', [...PODMAN_GLOBAL, 'image', 'exists', name])).code === 0;
}

/** debootstrap (≈30 s, needs deb.debian.org) → podman import, unless the image is already there. */
export async function ensureStandInBase(image = STAND_IN_PYTHON_IMAGE): Promise<void> {
  if (await imageExists(image)) return;
  const dir = await mkdtemp(path.join(tmpdir(), 'debootstrap-'));
  try {
    await runOk('debootstrap', ['--variant=minbase', 'bookworm', path.join(dir, 'root'), 'http://deb.debian.org/debian'], { timeoutMs: 600_000 });
    await runOk('sh', ['-c', 'tar -C "$1" -c . | podman import - "$2"', 'import', path.join(dir, 'root'), image], { timeoutMs: 300_000 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The build context laid out by django-app/bin/make-build-context (docker/ inside the project). */
export async function assembleContext(): Promise<string> {
  const parent = await mkdtemp(path.join(tmpdir(), 'django-context-'));
  const context = path.join(parent, 'context');
  await runOk(PYTHON, [path.join(DJANGO_DIR, 'bin/make-build-context'), context]);
  return context;
}

export interface BuildResult {
  id: string;
  output: string;
}

export async function build(context: string, dockerfile: string, tag: string, buildArgs: Record<string, string>): Promise<BuildResult> {
  const iidFile = path.join(context, `.iid-${path.basename(dockerfile)}`);
  const args = ['build', '--isolation=chroot', '-f', dockerfile, '-t', tag, '--iidfile', iidFile];
  for (const [key, value] of Object.entries(buildArgs)) args.push('--build-arg', `${key}=${value}`);
  const result = await podman([...args, context]);
  const id = (await readFile(iidFile, 'utf8')).trim().replace(/^sha256:/, '');
  await writeFile(iidFile, '');
  return { id, output: result.stdout + result.stderr };
}

export interface ImageInfo {
  Id: string;
  Config: { User?: string; Env?: string[]; ExposedPorts?: Record<string, unknown>; Cmd?: string[]; WorkingDir?: string };
  RootFS: { Layers: string[] };
}

export async function inspectImage(name: string): Promise<ImageInfo> {
  const result = await podman(['image', 'inspect', name]);
  const [info] = JSON.parse(result.stdout) as ImageInfo[];
  if (!info) throw new Error(`podman image inspect ${name} returned nothing`);
  return info;
}
