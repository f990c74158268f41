// scripts/build-images.sh for real: podman builds against a local registry. The base image is
// built from a tiny imported busybox root (no registry is reachable here, nothing is pulled).
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startLocalRegistry, type LocalRegistry } from './local-registry.js';

const run = promisify(execFile);
const script = resolve('scripts/build-images.sh');
const rootImage = 'localhost/eb-pipeline-test/busybox:1';

interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

function runScript(env: Record<string, string>): Promise<ScriptResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [script], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const outputs = Object.fromEntries(
        stdout
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      resolvePromise({ code: code ?? -1, stdout, stderr, outputs });
    });
  });
}

async function skopeo(...args: string[]): Promise<unknown> {
  const { stdout } = await run('skopeo', [...args.slice(0, -1), '--tls-verify=false', args.at(-1) ?? '']);
  return JSON.parse(stdout) as unknown;
}

async function diffIds(ref: string): Promise<string[]> {
  const config = (await skopeo('inspect', '--config', `docker://${ref}`)) as { rootfs: { diff_ids: string[] } };
  return config.rootfs.diff_ids;
}

async function ensureRootImage(): Promise<void> {
  const exists = await run('podman', ['image', 'exists', rootImage]).then(
    () => true,
    () => false,
  );
  if (exists) return;
  const root = await mkdtemp(join(tmpdir(), 'eb-pipeline-busybox-'));
  try {
    await mkdir(join(root, 'bin'));
    await copyFile('/bin/busybox', join(root, 'bin/busybox'));
    await symlink('busybox', join(root, 'bin/sh'));
    await run('bash', ['-c', `tar -C "$1" -c . | podman import - "$2"`, 'import', root, rootImage]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

// By name, not by image ID: an ID may be shared with an image someone else tagged. A base pulled
// by digest cannot go before the images built on it, hence a few passes.
async function removeImagesOf(host: string): Promise<void> {
  for (let pass = 0; pass < 4; pass++) {
    const { stdout } = await run('podman', ['images', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']);
    const names = stdout
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([repository]) => repository?.startsWith(`${host}/`))
      .map(([repository, tag, digest]) => (tag && tag !== '<none>' ? `${repository}:${tag}` : `${repository}@${digest}`));
    if (names.length === 0) return;
    for (const name of new Set(names)) await run('podman', ['rmi', '--ignore', name]).catch(() => undefined);
  }
}

describe('scripts/build-images.sh with podman and a local registry', () => {
  let registry: LocalRegistry;
  let context: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    await ensureRootImage();
    registry = await startLocalRegistry();
    context = await mkdtemp(join(tmpdir(), 'eb-pipeline-build-context-'));
    await mkdir(join(context, 'docker'));
    await mkdir(join(context, 'requirements'));
    await writeFile(
      join(context, 'docker/Dockerfile.base'),
      [
        `FROM ${rootImage}`,
        'ARG PYTHON_FLAVOUR=none',
        'COPY requirements/ /opt/requirements/',
        'RUN echo "base with $PYTHON_FLAVOUR" > /opt/base.txt',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(context, 'docker/Dockerfile.production'),
      ['ARG BASE_IMAGE', 'FROM ${BASE_IMAGE}', 'ARG APP_VERSION=unset', 'RUN echo "$APP_VERSION" > /opt/version.txt', ''].join('\n'),
    );
    await writeFile(join(context, 'requirements/base.txt'), 'Django==4.2.16\n');
    env = {
      BUILDER: 'podman',
      TLS_VERIFY: 'false',
      CONTEXT: context,
      IMAGE_REPOSITORY: `${registry.host}/shop`,
      BASE_REPOSITORY: `${registry.host}/shop-base`,
      BASE_BUILD_ARGS: 'PYTHON_FLAVOUR=debian\n',
    };
  });

  afterAll(async () => {
    if (registry) {
      await removeImagesOf(registry.host);
      await registry.stop();
    }
    if (context) await rm(context, { recursive: true, force: true });
  });

  let first: ScriptResult;

  it('first run builds and pushes the base, then the image FROM the base digest', async () => {
    const outputFile = join(context, 'github-output');
    first = await runScript({ ...env, IMAGE_TAG: 'v1', IMAGE_BUILD_ARGS: 'APP_VERSION=v1', GITHUB_OUTPUT: outputFile });
    expect(first.stderr).toContain('building the base image');
    expect(first.code).toBe(0);
    const { outputs } = first;
    expect(outputs['base-rebuilt']).toBe('true');
    expect(outputs['base-tag']).toBe(`${registry.host}/shop-base:base-${outputs['base-hash']}`);
    expect(outputs['base-hash']).toMatch(/^[0-9a-f]{32}$/);
    expect(outputs['base-ref']).toBe(`${registry.host}/shop-base@${outputs['base-digest']}`);
    expect(outputs['image-ref']).toBe(`${registry.host}/shop@${outputs['image-digest']}`);

    // The digests are the registry's own: the tags resolve to them.
    const base = (await skopeo('inspect', `docker://${outputs['base-tag']}`)) as { Digest: string };
    expect(base.Digest).toBe(outputs['base-digest']);
    const image = (await skopeo('inspect', `docker://${registry.host}/shop:v1`)) as {
      Digest: string;
      Labels: Record<string, string>;
    };
    expect(image.Digest).toBe(outputs['image-digest']);

    // The image's parent is the base: its layers start with exactly the base's layers.
    const baseLayers = await diffIds(outputs['base-ref'] ?? '');
    const imageLayers = await diffIds(outputs['image-ref'] ?? '');
    expect(imageLayers.length).toBe(baseLayers.length + 1);
    expect(imageLayers.slice(0, baseLayers.length)).toEqual(baseLayers);
    expect(image.Labels['org.opencontainers.image.base.digest']).toBe(outputs['base-digest']);

    // What a later workflow step reads.
    const written = await readFile(outputFile, 'utf8');
    expect(written).toContain(`image-ref=${outputs['image-ref']}\n`);
    expect(written).toContain('base-rebuilt=true\n');
  });

  it('second run finds the base by its content hash and only builds the image', async () => {
    const second = await runScript({ ...env, IMAGE_TAG: 'v2', IMAGE_BUILD_ARGS: 'APP_VERSION=v2' });
    expect(second.code, second.stderr).toBe(0);
    expect(second.outputs['base-rebuilt']).toBe('false');
    expect(second.stderr).toContain('base already in the registry');
    expect(second.stderr).not.toContain('building the base image');
    expect(second.outputs['base-digest']).toBe(first.outputs['base-digest']);
    expect(second.outputs['image-digest']).not.toBe(first.outputs['image-digest']);
    const baseLayers = await diffIds(second.outputs['base-ref'] ?? '');
    const imageLayers = await diffIds(second.outputs['image-ref'] ?? '');
    expect(imageLayers.slice(0, baseLayers.length)).toEqual(baseLayers);
  });

  it('a changed requirements file or base build argument means a new base', async () => {
    await writeFile(join(context, 'requirements/base.txt'), 'Django==4.2.17\n');
    const changedFile = await runScript({ ...env, IMAGE_TAG: 'v3' });
    expect(changedFile.code, changedFile.stderr).toBe(0);
    expect(changedFile.outputs['base-rebuilt']).toBe('true');
    expect(changedFile.outputs['base-hash']).not.toBe(first.outputs['base-hash']);

    const changedArg = await runScript({ ...env, IMAGE_TAG: 'v4', BASE_BUILD_ARGS: 'PYTHON_FLAVOUR=other' });
    expect(changedArg.code, changedArg.stderr).toBe(0);
    expect(changedArg.outputs['base-rebuilt']).toBe('true');
    expect(new Set([changedArg.outputs['base-hash'], changedFile.outputs['base-hash']]).size).toBe(2);
  });

  it('rejects bad settings naming the setting and the expected form', async () => {
    const tagged = await runScript({ ...env, IMAGE_TAG: 'v5', IMAGE_REPOSITORY: `${registry.host}/shop:latest` });
    expect(tagged.code).toBe(2);
    expect(tagged.stderr).toMatch(/IMAGE_REPOSITORY .* without tag or digest/);

    const builder = await runScript({ ...env, IMAGE_TAG: 'v5', BUILDER: 'kaniko' });
    expect(builder.code).toBe(2);
    expect(builder.stderr).toContain("BUILDER 'kaniko' must be docker or podman");

    const pattern = await runScript({ ...env, IMAGE_TAG: 'v5', BASE_HASH_FILES: 'requirements/*.txt constraints.txt' });
    expect(pattern.code).toBe(2);
    expect(pattern.stderr).toContain("BASE_HASH_FILES pattern 'constraints.txt' matches nothing");

    const arg = await runScript({ ...env, IMAGE_TAG: 'v5', BASE_BUILD_ARGS: 'not an assignment' });
    expect(arg.code).toBe(2);
    expect(arg.stderr).toContain("BASE_BUILD_ARGS line 'not an assignment' is not KEY=VALUE");
  });

  it('stops instead of rebuilding when the registry cannot be asked', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    const result = await runScript({ ...env, IMAGE_TAG: 'v6', IMAGE_REPOSITORY: `${nowhere}/shop`, BASE_REPOSITORY: `${nowhere}/shop-base` });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`could not look up ${nowhere}/shop-base:base-`);
    expect(result.stderr).not.toContain('building the base image');
  });
});
