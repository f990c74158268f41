// scripts/build-images.sh for real: podman builds against a local registry. The base image is
// built from a tiny imported busybox root (no registry is reachable here, nothing is pulled).
import { execFile, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep } from '../workflows/run-step.js';
import { asRecord, loadYamlFile } from '../workflows/workflow-files.js';
import { makeBuildContext, removeImagesOf } from './fixture.js';
import { freePort, startLocalRegistry, type LocalRegistry } from './local-registry.js';

const run = promisify(execFile);
const script = resolve('scripts/build-images.sh');

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

describe('scripts/build-images.sh with podman and a local registry', () => {
  let registry: LocalRegistry;
  let context: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    registry = await startLocalRegistry();
    context = await makeBuildContext();
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

  it('actions/build-images wires its inputs to the script: ECR registry, lower-cased name, commit SHA tag, dev target', async () => {
    const action = 'actions/build-images/action.yml';
    const result = await runStep(action, {
      step: 'build',
      contexts: {
        'inputs.registry': 'ecr',
        'steps.ecr.outputs.registry': registry.host,
        'inputs.repository': 'Shop-Action',
        'inputs.target': 'dev',
        'inputs.context': context,
        'inputs.base-build-args': 'PYTHON_FLAVOUR=action',
      },
      // What differs from a runner: podman instead of docker buildx, a plain-HTTP registry.
      env: { BUILDER: 'podman', TLS_VERIFY: 'false' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.outputs['image-ref']).toMatch(new RegExp(`^${registry.host}/shop-action@sha256:[0-9a-f]{64}$`));
    expect(result.outputs['base-rebuilt']).toBe('true');
    // Every output the action declares is one the step sets.
    const declared = Object.keys(asRecord(loadYamlFile(action).doc.outputs));
    expect(declared.filter((name) => !(name in result.outputs))).toEqual([]);
    // Tagged with the commit SHA, built from Dockerfile.dev.
    const image = (await skopeo('inspect', `docker://${registry.host}/shop-action:3f2a9c1d0b7e5a4f8c6d2e1b0a9f8e7d6c5b4a39`)) as { Digest: string };
    expect(image.Digest).toBe(result.outputs['image-digest']);
    expect(result.stderr).toMatch(/STEP \d+\/\d+: RUN echo "dev \$APP_VERSION"/);

    const summary = await runStep(action, {
      step: 'Summary',
      contexts: {
        'steps.build.outcome': 'success',
        'steps.build.outputs.base-ref': result.outputs['base-ref'] ?? '',
        'steps.build.outputs.base-rebuilt': 'true',
        'steps.build.outputs.image-ref': result.outputs['image-ref'] ?? '',
      },
    });
    expect(summary.code).toBe(0);
    expect(summary.summary).toContain(`| image | \`${result.outputs['image-ref']}\` |`);
  });

  it('the bundle step names the pushed image by a digest the registry serves (build job → deploy job)', async () => {
    const built = await runScript({ ...env, IMAGE_TAG: 'v-bundle' });
    expect(built.code, built.stderr).toBe(0);
    const out = join(context, 'eb-bundle');
    const bundle = await runStep('actions/make-bundle/action.yml', {
      step: 'bundle',
      contexts: {
        'inputs.image-ref': built.outputs['image-ref'] ?? '',
        'inputs.eb-directory': join(resolve('.'), 'docker/eb'),
        'inputs.output-directory': out,
      },
    });
    expect(bundle.code, bundle.stderr).toBe(0);
    const dockerrun = JSON.parse(await readFile(join(out, 'Dockerrun.aws.json'), 'utf8')) as { Image: { Name: string } };
    expect(dockerrun.Image.Name).toBe(built.outputs['image-ref']);
    // What an EB instance would pull: the reference resolves, to the image that was pushed.
    const pulled = (await skopeo('inspect', `docker://${dockerrun.Image.Name}`)) as { Digest: string };
    expect(pulled.Digest).toBe(built.outputs['image-digest']);
    expect(bundle.outputs['version-label']).toBe(`3f2a9c1d0b7e-${(built.outputs['image-digest'] ?? '').slice(7, 19)}`);
  });

  it('actions/build-images refuses an unknown registry or target by input name', async () => {
    const registryKind = await runStep('actions/build-images/action.yml', {
      step: 'Check the inputs',
      contexts: { 'inputs.registry': 'gcr', 'inputs.target': 'production' },
    });
    expect(registryKind.code).toBe(1);
    expect(registryKind.stdout).toContain('::error::input registry must be "ecr" or "ghcr", got "gcr"');
    const target = await runStep('actions/build-images/action.yml', {
      step: 'Check the inputs',
      contexts: { 'inputs.registry': 'ghcr', 'inputs.target': 'staging' },
    });
    expect(target.stdout).toContain('::error::input target must be "production" or "dev", got "staging"');
  });

  it('stops instead of rebuilding when the registry cannot be asked', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    const result = await runScript({ ...env, IMAGE_TAG: 'v6', IMAGE_REPOSITORY: `${nowhere}/shop`, BASE_REPOSITORY: `${nowhere}/shop-base` });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`could not look up ${nowhere}/shop-base:base-`);
    expect(result.stderr).not.toContain('building the base image');
  });
});
