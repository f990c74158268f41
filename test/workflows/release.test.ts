// scripts/release.sh on a copy of this repository's workflows and actions in a throwaway git
// repository: the release commit differs from its parent only in the suite's own `uses:` lines,
// which name the parent's SHA; the branch keeps @v1; the result still parses with GitHub's parser
// and passes the pinning rules; every refusal commits nothing.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SUITE_REPOSITORY, actionPaths, repoRoot, reusableWorkflowPaths, templatePaths } from './workflow-files.js';

const exec = promisify(execFile);
const GIT_ENV = { GIT_AUTHOR_NAME: 'Release Test', GIT_AUTHOR_EMAIL: 'release@example.com', GIT_COMMITTER_NAME: 'Release Test', GIT_COMMITTER_EMAIL: 'release@example.com' };
const FILES = [...reusableWorkflowPaths(), ...templatePaths(), ...actionPaths(), 'scripts/release.sh'];

let dir: string;
const git = async (...args: string[]): Promise<string> => (await exec('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV } })).stdout.trim();

async function release(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('bash', ['scripts/release.sh', ...args], { cwd: dir, env: { ...process.env, ...GIT_ENV } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eb-pipeline-release-'));
  for (const file of FILES) await cp(join(repoRoot, file), join(dir, file), { recursive: true });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'source');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scripts/release.sh', () => {
  it('pins every suite reference of the reusable workflows to the source commit, in a tagged commit off the branch', async () => {
    const source = await git('rev-parse', 'HEAD');
    const result = await release('v1.4.0');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^released v1\\.4\\.0: [0-9a-f]{40} \\(5 references in 3 files pinned to ${source}\\)`));

    // The branch did not move; the tag's commit is a child of the source.
    expect(await git('rev-parse', 'HEAD')).toBe(source);
    expect(await git('symbolic-ref', '--short', 'HEAD')).toBe('main');
    const tagged = await git('rev-parse', 'v1.4.0^{commit}');
    expect(await git('rev-parse', `${tagged}^`)).toBe(source);

    // Only `uses:` lines changed, each to @<source> # v1.4.0.
    const diff = await git('diff', '-U0', source, tagged);
    const removed = diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
    const added = diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    expect(added).toHaveLength(5);
    expect(removed.map((l) => l.slice(1).replace(/@v1$/, `@${source} # v1.4.0`))).toEqual(added.map((l) => l.slice(1)));
    expect((await git('diff', '--name-only', source, tagged)).split('\n')).toEqual([
      '.github/workflows/build-images.yml',
      '.github/workflows/deploy.yml',
      '.github/workflows/django-ci.yml',
    ]);

    // The released files: no floating suite reference, GitHub's parser accepts them, templates kept @v1.
    for (const path of reusableWorkflowPaths()) {
      const text = await git('show', `${tagged}:${path}`);
      expect(text, path).not.toMatch(new RegExp(`^\\s*(- )?uses:\\s*${SUITE_REPOSITORY}[^\\s]*@v1\\b`, 'm'));
      const parsed = parseWorkflow({ name: path, content: text }, new NoOperationTraceWriter());
      expect(parsed.context.errors.getErrors().map((e) => e.message), path).toEqual([]);
    }
    for (const path of templatePaths()) expect(await git('show', `${tagged}:${path}`)).toBe(await readFile(join(repoRoot, path), 'utf8').then((t) => t.trimEnd()));
  });

  it('refuses bad versions, an existing tag, a dirty tree and a release commit, committing nothing', async () => {
    const source = await git('rev-parse', 'HEAD');
    for (const bad of ['1.4.0', 'v1.4', 'v1.4.0-rc1']) {
      const r = await release(bad);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`usage: scripts/release.sh vMAJOR.MINOR.PATCH   (got: ${bad})`);
    }
    expect((await release('v2.0.0')).stderr).toContain('release: version v2.0.0 is not in the v1 series');

    await writeFile(join(dir, 'action.yml'), `${await readFile(join(dir, 'action.yml'), 'utf8')}# local edit\n`);
    const dirty = await release('v1.4.0');
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toContain('release: the working tree has uncommitted changes');
    await git('checkout', '--', 'action.yml');

    expect((await release('v1.4.0')).code).toBe(0);
    expect((await release('v1.4.0')).stderr).toContain('release: tag v1.4.0 already exists');

    // Running it on the release commit itself: nothing floats any more.
    await git('checkout', '-q', 'v1.4.0');
    const again = await release('v1.4.1');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is HEAD already a release commit?');
    expect(await git('tag', '--list')).toBe('v1.4.0');
    expect(await git('rev-list', '--count', '--all')).toBe('2');
    await git('checkout', '-q', 'main');
    expect(await git('rev-parse', 'HEAD')).toBe(source);
  });

  it('refuses, and leaves the tree clean, when a suite reference uses a ref it cannot pin', async () => {
    const path = join(dir, '.github/workflows/deploy.yml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('actions/deploy-version@v1', 'actions/deploy-version@main'));
    await git('commit', '-q', '-am', 'a stray ref');
    const r = await release('v1.4.0');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/suite references this script cannot pin[\s\S]*actions\/deploy-version@main/);
    expect(await git('status', '--porcelain')).toBe('');
    expect(await git('tag', '--list')).toBe('');
  });
});
