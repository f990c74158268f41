// scripts/make-bundle.sh (the bundle step of deploy.yml, via actions/make-bundle) with the reference
// app's docker/eb files: what Elastic Beanstalk would receive, before the deploy action zips it.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipDirectory } from '../../src/bundle/zip.js';
import { repoRoot } from './workflow-files.js';

const script = join(repoRoot, 'scripts/make-bundle.sh');
const digest = `sha256:${'ab12'.repeat(16)}`;
const imageRef = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${digest}`;

function makeBundle(env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('bash', [script], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('scripts/make-bundle.sh', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'eb-pipeline-make-bundle-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('lays out Dockerrun.aws.json naming the image by digest, .platform and the version file', async () => {
    const out = join(work, 'bundle');
    const outputFile = join(work, 'github-output');
    const result = makeBundle({ IMAGE_REF: imageRef, VERSION_LABEL: '3f2a9c1d0b7e-ab12ab12ab12', OUT_DIR: out, EB_DIR: 'docker/eb', GITHUB_OUTPUT: outputFile });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await readFile(outputFile, 'utf8')).toBe(`bundle-dir=${out}\nversion-label=3f2a9c1d0b7e-ab12ab12ab12\n`);

    const template = JSON.parse(await readFile(join(repoRoot, 'docker/eb/Dockerrun.aws.json'), 'utf8')) as Record<string, unknown>;
    const dockerrun = JSON.parse(await readFile(join(out, 'Dockerrun.aws.json'), 'utf8')) as {
      AWSEBDockerrunVersion: string;
      Image: { Name: string; Update?: string };
      Ports: unknown;
      Volumes: unknown;
    };
    expect(dockerrun.AWSEBDockerrunVersion).toBe('1');
    expect(dockerrun.Image).toEqual({ Name: imageRef });
    expect(dockerrun.Ports).toEqual(template.Ports);

    const files = await listFiles(out);
    const appFiles = (await listFiles(join(repoRoot, 'docker/eb'))).filter((f) => f !== 'Dockerrun.aws.json');
    expect(files).toEqual([...appFiles, 'Dockerrun.aws.json', 'bundle-version/VERSION'].sort());
    expect(files).not.toContain('Dockerfile');
    // Not an environment property: an Immutable deployment refuses bundles that change configuration.
    expect(files.filter((f) => f.startsWith('.ebextensions/'))).toEqual([]);
    expect(await readFile(join(out, 'bundle-version/VERSION'), 'utf8')).toBe('3f2a9c1d0b7e-ab12ab12ab12\n');
    expect(dockerrun.Volumes).toEqual([{ HostDirectory: '/var/app/current/bundle-version', ContainerDirectory: '/run/bundle' }]);
    for (const hook of files.filter((f) => f.startsWith('.platform/hooks/'))) {
      expect((await stat(join(out, hook))).mode & 0o111, `${hook} is executable`).toBe(0o111);
    }
  });

  it('gives the same zip bytes for the same image and label (the deploy action zips the directory)', async () => {
    const shas: string[] = [];
    for (const name of ['a', 'b']) {
      const out = join(work, `same-${name}`);
      expect(makeBundle({ IMAGE_REF: imageRef, VERSION_LABEL: 'v1', OUT_DIR: out }).code).toBe(0);
      shas.push((await zipDirectory(out, join(work, `same-${name}.zip`))).sha256);
    }
    expect(shas[0]).toBe(shas[1]);
    const other = join(work, 'other');
    expect(makeBundle({ IMAGE_REF: imageRef, VERSION_LABEL: 'v2', OUT_DIR: other }).code).toBe(0);
    expect((await zipDirectory(other, join(work, 'other.zip'))).sha256).not.toBe(shas[0]);
  });

  it('refuses an image named by tag, a bad label, a non-empty output and a Dockerfile in the EB files', async () => {
    const byTag = makeBundle({ IMAGE_REF: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:latest', VERSION_LABEL: 'v1', OUT_DIR: join(work, 'x1') });
    expect(byTag.code).toBe(2);
    expect(byTag.stderr).toContain('must name the image by digest');

    const slash = makeBundle({ IMAGE_REF: imageRef, VERSION_LABEL: 'feature/x', OUT_DIR: join(work, 'x2') });
    expect(slash.code).toBe(2);
    expect(slash.stderr).toContain("VERSION_LABEL 'feature/x' must be 1-100 characters without '/'");

    const busy = join(work, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'left-over'), 'x');
    const notEmpty = makeBundle({ IMAGE_REF: imageRef, VERSION_LABEL: 'v1', OUT_DIR: busy });
    expect(notEmpty.stderr).toContain('exists and is not empty');

    const ebDir = join(work, 'eb-with-dockerfile');
    await mkdir(ebDir);
    await writeFile(join(ebDir, 'Dockerrun.aws.json'), '{"AWSEBDockerrunVersion":"1","Image":{"Name":"${IMAGE}"}}');
    await writeFile(join(ebDir, 'Dockerfile'), 'FROM scratch\n');
    const dockerfile = makeBundle({ IMAGE_REF: imageRef, VERSION_LABEL: 'v1', OUT_DIR: join(work, 'x3'), EB_DIR: ebDir });
    expect(dockerfile.code).toBe(2);
    expect(dockerfile.stderr).toContain('has a Dockerfile');
  });
});
