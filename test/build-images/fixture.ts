// What the build-images tests build: a tiny context whose base is FROM a busybox root imported
// into podman (nothing can be pulled here), and a clean-up that leaves podman storage as found.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const rootImage = 'localhost/eb-pipeline-test/busybox:1';

export async function ensureRootImage(): Promise<void> {
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

/** A build context: docker/Dockerfile.base (FROM the busybox root, COPY requirements/, RUN), docker/Dockerfile.production and docker/Dockerfile.dev (ARG BASE_IMAGE / FROM ${BASE_IMAGE}). */
export async function makeBuildContext(): Promise<string> {
  await ensureRootImage();
  const context = await mkdtemp(join(tmpdir(), 'eb-pipeline-build-context-'));
  await mkdir(join(context, 'docker'));
  await mkdir(join(context, 'requirements'));
  await writeFile(
    join(context, 'docker/Dockerfile.base'),
    [`FROM ${rootImage}`, 'ARG PYTHON_FLAVOUR=none', 'COPY requirements/ /opt/requirements/', 'RUN echo "base with $PYTHON_FLAVOUR" > /opt/base.txt', ''].join('\n'),
  );
  for (const target of ['production', 'dev']) {
    await writeFile(
      join(context, `docker/Dockerfile.${target}`),
      ['ARG BASE_IMAGE', 'FROM ${BASE_IMAGE}', 'ARG APP_VERSION=unset', `RUN echo "${target} $APP_VERSION" > /opt/version.txt`, ''].join('\n'),
    );
  }
  await writeFile(join(context, 'requirements/base.txt'), 'Django==4.2.16\n');
  return context;
}

// By name, not by image ID: an ID may be shared with an image someone else tagged. A base pulled
// by digest cannot go before the images built on it, hence a few passes.
export async function removeImagesOf(host: string): Promise<void> {
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
