// Images for the emulator's Docker platform: pulled from the registry the bundle names (podman, the
// way EB's hosts run `docker pull`), flattened once per image into a root filesystem that every
// instance running it shares read-only (each gets its own writable layer: container.ts).
// No container engine runs anything here (`podman run` fails on these machines): podman only pulls,
// and `podman export` gives the image's filesystem with its layers applied.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What starting the image needs from its configuration (docker inspect's Config). */
export interface ImageConfig {
  User?: string;
  Env?: string[];
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
}

export interface PreparedImage {
  /** The image ID (sha256 of its configuration): the cache key. */
  id: string;
  rootfs: string;
  config: ImageConfig;
}

/** The image could not be pulled; the message is what EB's engine log would say. */
export class ImagePullError extends Error {}

const PODMAN = ['--cgroup-manager=cgroupfs'];
/** EB's hosts reach ECR; here the registry must be on this machine (Debian's docker-registry on 127.0.0.1). */
const LOOPBACK_REGISTRY = /^(127\.0\.0\.1|localhost)(:\d+)?\//;

function exec(command: string, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lastLine = (text: string): string => text.trim().split('\n').at(-1) ?? '';

export class ImageCache {
  private readonly preparing = new Map<string, Promise<PreparedImage>>();

  constructor(readonly dir: string) {}

  /** Pulls `ref` (always: a digest that is gone from the registry fails, as on EB) and returns its root filesystem. */
  async prepare(ref: string, signal?: AbortSignal): Promise<PreparedImage> {
    if (!LOOPBACK_REGISTRY.test(ref)) {
      throw new ImagePullError(`Failed to pull Docker image ${ref}: the emulator pulls only from a registry on this machine (127.0.0.1:PORT/NAME@sha256:DIGEST).`);
    }
    const pull = await exec('podman', [...PODMAN, 'pull', '--quiet', '--tls-verify=false', ref], 600_000, signal);
    if (pull.code !== 0) throw new ImagePullError(`Failed to pull Docker image ${ref}: ${lastLine(pull.stderr) || `podman pull exited ${pull.code}`}`);
    const id = lastLine(pull.stdout).replace(/^sha256:/, '');
    if (!/^[0-9a-f]{64}$/.test(id)) throw new ImagePullError(`Failed to pull Docker image ${ref}: podman pull printed no image ID (${pull.stdout.trim()})`);
    let prepared = this.preparing.get(id);
    if (!prepared) {
      prepared = this.flatten(id);
      this.preparing.set(id, prepared);
      prepared.catch(() => this.preparing.delete(id));
    }
    return prepared;
  }

  private async flatten(id: string): Promise<PreparedImage> {
    const inspect = await exec('podman', [...PODMAN, 'image', 'inspect', '--format', '{{json .Config}}', id], 60_000);
    if (inspect.code !== 0) throw new ImagePullError(`Failed to inspect Docker image ${id}: ${lastLine(inspect.stderr)}`);
    const config = JSON.parse(inspect.stdout) as ImageConfig;
    const rootfs = path.join(this.dir, id, 'rootfs');
    if (!existsSync(path.join(this.dir, id, 'complete'))) {
      const partial = path.join(this.dir, id, `rootfs.partial-${randomBytes(3).toString('hex')}`);
      await mkdir(partial, { recursive: true });
      const name = `eb-emulator-export-${randomBytes(6).toString('hex')}`;
      try {
        const created = await exec('podman', [...PODMAN, 'create', '--name', name, id], 60_000);
        if (created.code !== 0) throw new ImagePullError(`Failed to unpack Docker image ${id}: ${lastLine(created.stderr)}`);
        // One stream, layers already applied (whiteouts included); owners and modes kept.
        const unpack = await exec('sh', ['-c', 'podman --cgroup-manager=cgroupfs export "$1" | tar -x -p --numeric-owner -C "$2"', 'export', name, partial], 600_000);
        if (unpack.code !== 0) throw new ImagePullError(`Failed to unpack Docker image ${id}: ${lastLine(unpack.stderr)}`);
        await rm(rootfs, { recursive: true, force: true });
        await rename(partial, rootfs);
        await writeFile(path.join(this.dir, id, 'complete'), `${new Date().toISOString()}\n`);
      } finally {
        await exec('podman', [...PODMAN, 'rm', '-f', name], 60_000).catch(() => undefined);
        await rm(partial, { recursive: true, force: true });
      }
    }
    return { id, rootfs, config };
  }
}
