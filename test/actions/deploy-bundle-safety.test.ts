// A bundle is the directory and nothing else, through the real deploy action: a bundle with a
// symlink out of it (to /etc/passwd, to the checkout's .git/config, to /proc/self/environ), a FIFO
// or a link loop fails the job with one clear error naming the file — before anything is uploaded
// — with outputs and the job summary written, no stack trace, and nothing left in the temp dir.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateStorageLocationCommand, DescribeApplicationVersionsCommand } from '@aws-sdk/client-elastic-beanstalk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers } from '../global-temp-dir.js';
import { createEnvironmentReady, describeEnv, useEmulator } from '../support/emulator.js';
import { writeTestAppBundle } from '../support/test-app.js';
import { deployInputs, runEntry, servedVersion } from './run-entry.js';

const h = useEmulator();
const tmp = await mkdtemp(join(tmpdir(), 'deploy-bundle-safety-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  await createEnvironmentReady(h, { app: 'safe', env: 'safe-dev', label: 'v1' });
});

// The checkout: a .git/config holding a token, and the bundle directory inside it.
async function checkout(name: string, plant: (app: string, repo: string) => Promise<void>): Promise<string> {
  const repo = join(tmp, name);
  await mkdir(join(repo, '.git'), { recursive: true });
  await writeFile(join(repo, '.git', 'config'), '[http]\n\textraheader = AUTHORIZATION: basic dG9rZW4=\n');
  const app = join(repo, 'app');
  await writeTestAppBundle(app, { version: 'v2' });
  await plant(app, repo);
  return app;
}

const cases: [string, (app: string, repo: string) => Promise<void>, string][] = [
  [
    'a symlink to /etc/passwd',
    (app) => symlink('/etc/passwd', join(app, 'passwd.txt')),
    'input "bundle" is invalid: symlink "passwd.txt" points outside the bundle directory (to /etc/passwd); ' +
      "a bundle holds only the directory's own files: copy what it needs into it (e.g. cp -L) instead of linking",
  ],
  ['a symlink to the checkout’s .git/config', (app) => symlink('../.git/config', join(app, 'config')), 'symlink "config" points outside the bundle directory (to '],
  ['a symlink to /proc/self/environ', async (app) => { await mkdir(join(app, 'static')); await symlink('/proc/self/environ', join(app, 'static', 'env')); }, 'symlink "static/env" points outside the bundle directory (to /proc/'],
  ['a FIFO', (app) => { execFileSync('mkfifo', [join(app, 'queue')]); return Promise.resolve(); }, 'input "bundle" is invalid: "queue" is a FIFO (named pipe)'],
  ['a symlink loop', async (app) => { await symlink('b', join(app, 'a')); await symlink('a', join(app, 'b')); }, 'symlink "a" never resolves: it is part of a symlink loop'],
];

describe('deploy action: the bundle is the directory and nothing else', () => {
  it.each(cases)('%s: one clear error naming it, outputs and summary written, nothing uploaded or left behind', async (name, plant, message) => {
    const app = await checkout(name.replace(/\W+/g, '-'), plant);
    const jobTmp = await mkdtemp(join(tmp, 'runner-temp-'));
    const r = await runEntry('deploy', { inputs: { ...deployInputs('safe', 'safe-dev', app), 'version-label': 'v2' }, env: { ...h.emulator.env, TMPDIR: jobTmp }, timeoutMs: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain(message);
    // No stack trace anywhere, and nothing of the environment's secrets.
    expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/dG9rZW4=|AWS_SECRET_ACCESS_KEY=/);
    expect(r.outputs).toMatchObject({ 'previous-version-label': '', 'rolled-back': 'false' });
    expect(r.summary).toContain('❌ failed');
    expect(r.summary).toContain(message.replace(/"/g, '&quot;'));
    // No partial zip (nor its work dir) in the job's temp dir.
    expect(leftovers(jobTmp)).toEqual([]);
    // Nothing uploaded, no version made, the environment untouched.
    const { S3Bucket } = await h.eb.send(new CreateStorageLocationCommand({}));
    const listed = await h.s3.send(new ListObjectsV2Command({ Bucket: S3Bucket, Prefix: 'eb-pipeline/safe/' }));
    expect(listed.KeyCount ?? 0).toBe(0);
    const versions = await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'safe', VersionLabels: ['v2'] }));
    expect(versions.ApplicationVersions ?? []).toEqual([]);
    const env = await describeEnv(h.eb, 'safe-dev');
    expect(env.VersionLabel).toBe('v1');
    expect(await servedVersion(env.CNAME)).toBe('v1');
  });

  it('links that stay inside the bundle are followed and deployed', async () => {
    const app = await checkout('inside', async (dir) => {
      await mkdir(join(dir, 'static'));
      await writeFile(join(dir, 'static', 'site.css'), 'body {}\n');
      await symlink('static', join(dir, 'assets'));
    });
    const jobTmp = await mkdtemp(join(tmp, 'runner-temp-'));
    const r = await runEntry('deploy', { inputs: { ...deployInputs('safe', 'safe-dev', app), 'version-label': 'v2' }, env: { ...h.emulator.env, TMPDIR: jobTmp } });
    expect(r.errors, r.stdout).toEqual([]);
    expect(r.code).toBe(0);
    expect(leftovers(jobTmp)).toEqual([]);
    expect(await servedVersion((await describeEnv(h.eb, 'safe-dev')).CNAME)).toBe('v2');
  });
});
