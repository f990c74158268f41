// The demo's container registry, standing in for ECR: Debian's `docker-registry` on 127.0.0.1 with
// a port of its own and filesystem storage in a directory that outlives the run (so a second demo
// finds the base image there and skips building it). Its blob store is also how the demo counts
// what each build pushed: the blobs that were not there before, and the image's layers that were.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalRegistry {
  /** 127.0.0.1:PORT, what image references start with. */
  host: string;
  storage: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForRegistry(host: string, child: ChildProcess, output: () => string): Promise<void> {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${output()}`);
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`docker-registry did not answer on ${host} within 15 s: ${output()}`);
}

/** Starts `docker-registry serve` on loopback only, no auth, storing under `dir`. */
export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  await mkdir(dir, { recursive: true });
  const host = `127.0.0.1:${await freePort()}`;
  const config = path.join(dir, 'config.yml');
  const storage = path.join(dir, 'storage');
  await writeFile(config, ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`, 'http:', `  addr: ${host}`, ''].join('\n'));
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitForRegistry(host, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, storage, stop };
}

/** Every blob in the registry's storage, digest → bytes. */
export async function registryBlobs(storage: string): Promise<Map<string, number>> {
  const root = path.join(storage, 'docker/registry/v2/blobs/sha256');
  const blobs = new Map<string, number>();
  for (const prefix of await readdir(root).catch(() => [] as string[])) {
    for (const hex of await readdir(path.join(root, prefix)).catch(() => [] as string[])) {
      const size = await stat(path.join(root, prefix, hex, 'data')).then((s) => s.size, () => undefined);
      if (size !== undefined) blobs.set(`sha256:${hex}`, size);
    }
  }
  return blobs;
}

export interface PushAccount {
  /** Bytes of blobs (layers, config, manifest) the push added to the registry. */
  bytesPushed: number;
  layers: number;
  /** The image's layers the registry had before the push. */
  layersReused: number;
  /** The image's compressed size (config + layers). */
  imageBytes: number;
}

/** What a push of `ref` cost, from the registry's blobs before it and the image's manifest. */
export async function accountPush(ref: string, before: Map<string, number>, storage: string): Promise<PushAccount> {
  const after = await registryBlobs(storage);
  let bytesPushed = 0;
  for (const [digest, size] of after) if (!before.has(digest)) bytesPushed += size;
  const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
  const manifest = JSON.parse(stdout) as { config: { size: number }; layers: { digest: string; size: number }[] };
  return {
    bytesPushed,
    layers: manifest.layers.length,
    layersReused: manifest.layers.filter((l) => before.has(l.digest)).length,
    imageBytes: manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0),
  };
}
