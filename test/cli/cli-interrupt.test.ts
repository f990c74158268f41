// Ctrl-C during `eb-pipeline deploy` (the real CLI in its own process, against the emulator): the run
// undoes what it started before it exits 130 — an open multipart upload is aborted and the scratch
// directory removed; a version that went live and had not passed its gate yet is sent back to the
// last verified one; nothing this run put there stays live unverified.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, releaseMarks, useEmulator, waitFor } from '../support/emulator.js';
import { writeTestAppBundle } from '../support/test-app.js';
import { servedVersion } from '../actions/run-entry.js';

const h = useEmulator();
const tmp = await mkdtemp(join(tmpdir(), 'cli-interrupt-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));
afterEach(() => h.emulator.faults.clear());

interface Run {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

function deploy(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entries/cli.ts', 'deploy', ...args], { env: { ...process.env, ...h.emulator.env, ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code, signal) => (clearTimeout(timer), resolve(code ?? (signal ? -1 : null)))));
  return { child, output: () => output, exited };
}

async function when(run: Run, pattern: RegExp): Promise<void> {
  await waitFor(`output matching ${pattern}`, () => Promise.resolve(run.output()), (text) => pattern.test(text), 90_000, 100);
}

describe('eb-pipeline deploy, interrupted', () => {
  it('Ctrl-C while the gate holds the window: the unverified version is sent back to the last verified one, exit 130', async () => {
    await createEnvironmentReady(h, { app: 'intr', env: 'intr-dev', label: 'v1' });
    const v2 = join(tmp, 'v2');
    await writeTestAppBundle(v2, { version: 'v2' });
    const run = deploy(['-a', 'intr', '-e', 'intr-dev', '-b', v2, '-l', 'v2', '--stable-seconds', '60', '--deploy-timeout', '120s']);
    await when(run, /holding for 60 s/);
    expect(await servedVersion((await describeEnv(h.eb, 'intr-dev')).CNAME)).toBe('v2');
    run.child.kill('SIGINT');
    expect(await run.exited, run.output()).toBe(130);
    expect(run.output()).toMatch(/SIGINT: undoing what this run started/);
    expect(run.output()).toMatch(/the job was cancelled after "v2" went live on "intr-dev" and before its gate passed: sent it back to "v1"/);
    const env = await describeEnv(h.eb, 'intr-dev');
    expect(env.VersionLabel).toBe('v1');
    expect(await servedVersion(env.CNAME)).toBe('v1');
    // Its gate never finished: no verdict either way.
    expect((await releaseMarks(h.eb, 'intr', 'intr-dev')).v2).toBeUndefined();
  }, 180_000);

  it('Ctrl-C during the upload: the multipart upload is aborted and the scratch directory removed, nothing deployed', async () => {
    await createEnvironmentReady(h, { app: 'intr2', env: 'intr2-dev', label: 'v1' });
    await h.s3.send(new CreateBucketCommand({ Bucket: 'intr-bundles' }));
    // A directory: zipped into a scratch directory first (40 MiB that does not compress), then uploaded in parts.
    const big = join(tmp, 'big');
    await writeTestAppBundle(big, { version: 'v9' });
    await writeFile(join(big, 'blob.bin'), randomBytes(40 * 1024 * 1024));
    const ownTmp = await mkdtemp(join(tmp, 'run-tmp-'));
    h.emulator.faults.s3SlowParts(3000);
    const run = deploy(['-a', 'intr2', '-e', 'intr2-dev', '-b', big, '-l', 'v9', '--bucket', 'intr-bundles'], { TMPDIR: ownTmp });
    await waitFor('an open multipart upload', async () => (await h.s3.send(new ListMultipartUploadsCommand({ Bucket: 'intr-bundles' }))).Uploads?.length ?? 0, (n) => n > 0, 90_000, 100);
    run.child.kill('SIGINT');
    expect(await run.exited, run.output()).toBe(130);
    expect(run.output()).toMatch(/aborted the multipart upload of s3:\/\/intr-bundles\//);
    expect((await h.s3.send(new ListMultipartUploadsCommand({ Bucket: 'intr-bundles' }))).Uploads ?? []).toEqual([]);
    // The CLI's scratch directory (eb-pipeline-*) is gone; tsx keeps its own cache there.
    expect((await readdir(ownTmp)).filter((name) => name.startsWith('eb-pipeline-'))).toEqual([]);
    expect((await describeEnv(h.eb, 'intr2-dev')).VersionLabel).toBe('v1');
  }, 180_000);
});
