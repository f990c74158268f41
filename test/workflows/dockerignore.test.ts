// The build job refuses a build context without a .dockerignore that keeps .git out: the Dockerfiles
// COPY the whole context (`COPY . /srv/project`), so the repository's history would be in every image.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runStep } from './run-step.js';
import { repoRoot } from './workflow-files.js';

const STEP = 'Check the .dockerignore';
let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

const check = async (ignore: string | undefined, context = '') => {
  dir = await mkdtemp(join(tmpdir(), 'dockerignore-'));
  if (ignore !== undefined) await writeFile(join(dir, '.dockerignore'), ignore);
  return runStep('.github/workflows/build-images.yml', { step: STEP, contexts: { 'inputs.context': context }, cwd: dir });
};

describe('.github/workflows/build-images.yml: the build context keeps .git out', () => {
  it('no .dockerignore: fails naming the file and the fix', async () => {
    const r = await check(undefined);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error::./.dockerignore not found: the images COPY the whole build context');
  });

  it('a .dockerignore that does not list .git: fails', async () => {
    const r = await check('node_modules\n.gitignore\n# .git\n');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('does not exclude .git');
  });

  it.each(['.git', '/.git/', '**/.git', '  .git  '])('a .dockerignore with "%s": passes', async (line) => {
    expect((await check(`node_modules\n${line}\n`)).code).toBe(0);
  });

  it('the suite\'s own django-app/.dockerignore passes (docs/aws-setup.md step 8 copies it)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockerignore-'));
    await copyFile(join(repoRoot, 'django-app/.dockerignore'), join(dir, '.dockerignore'));
    expect((await runStep('.github/workflows/build-images.yml', { step: STEP, contexts: { 'inputs.context': '' }, cwd: dir })).code).toBe(0);
  });
});
