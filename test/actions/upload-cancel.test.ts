// Nothing left behind: a job cancelled while the bundle is going up as a multipart upload leaves no
// open upload (its parts are billed until aborted) and no scratch zip. The runner's cancel sequence
// is played for real against the emulator's S3: SIGINT to the main step (SIGTERM 7.5 s later), then
// the post step with the state the main step saved; and the case where the main step is killed
// outright (SIGKILL), when only the post step can abort it.
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { leftovers } from '../global-temp-dir.js';
import { createEnvironmentReady, describeEnv, useEmulator } from '../support/emulator.js';
import { writeTestAppBundle } from '../support/test-app.js';
import { cancelLikeRunner, deployInputs, runEntry, servedVersion } from './run-entry.js';

const h = useEmulator();
const tmp = await mkdtemp(join(tmpdir(), 'upload-cancel-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));
afterEach(() => h.emulator.faults.clear());

const BUCKET = 'cancel-bundles';

beforeAll(async () => {
  await h.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

async function openUploads(): Promise<number> {
  return (await h.s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads?.length ?? 0;
}

async function objects(prefix: string): Promise<number> {
  return (await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).KeyCount ?? 0;
}

/** Once S3 holds an open multipart upload, does `act` to the child (checked every 100 ms). */
function whenUploadOpen(child: ChildProcess, act: (child: ChildProcess) => void): void {
  let done = false;
  child.on('close', () => (done = true));
  const poll = async (): Promise<void> => {
    while (!done) {
      if ((await openUploads()) > 0) return act(child);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  void poll();
}

/** 40 MiB that does not compress: five 8 MiB parts. */
async function bigZip(name: string): Promise<string> {
  const file = join(tmp, name);
  await writeFile(file, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(40 * 1024 * 1024)]));
  return file;
}

describe('a job cancelled during a multipart upload leaves nothing behind', () => {
  it('upload-bundle, SIGINT: the main step aborts the upload itself and dies by SIGINT; the post step finds nothing open', async () => {
    const file = await bigZip('sigint.zip');
    h.emulator.faults.s3SlowParts(3000);
    const inputs = { 'application-name': 'cancelled', bundle: file, bucket: BUCKET, 'key-prefix': 'sigint' };
    const main = await runEntry('upload-bundle', { inputs, env: h.emulator.env, onSpawn: (child) => whenUploadOpen(child, cancelLikeRunner) });
    expect(main.signal).toBe('SIGINT');
    expect(main.warnings.join('\n')).toMatch(/the job was cancelled \(SIGINT\) during the upload: aborted the multipart upload of s3:\/\/cancel-bundles\/sigint\/[0-9a-f]{64}\.zip/);
    expect(main.state.openUpload).toBe('');
    expect(await openUploads()).toBe(0);

    const post = await runEntry('upload-bundle', { inputs, env: h.emulator.env, state: main.state });
    expect(post.code).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(await openUploads()).toBe(0);
    expect(await objects('sigint/')).toBe(0);
  });

  it('upload-bundle, SIGKILL: the upload stays open until the post step aborts it with the saved state', async () => {
    const file = await bigZip('sigkill.zip');
    // The same switch over the emulator's HTTP control endpoint.
    const switched = await fetch(`${h.emulator.ebEndpoint}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ s3SlowParts: { ms: 3000 } }) });
    expect(switched.status).toBe(200);
    const inputs = { 'application-name': 'cancelled', bundle: file, bucket: BUCKET, 'key-prefix': 'sigkill' };
    const main = await runEntry('upload-bundle', { inputs, env: h.emulator.env, onSpawn: (child) => whenUploadOpen(child, (c) => c.kill('SIGKILL')) });
    expect(main.signal).toBe('SIGKILL');
    expect(JSON.parse(main.state.openUpload ?? '{}')).toMatchObject({ bucket: BUCKET, key: expect.stringMatching(/^sigkill\/[0-9a-f]{64}\.zip$/) as string });
    expect(await openUploads()).toBe(1);

    const post = await runEntry('upload-bundle', { inputs, env: h.emulator.env, state: main.state });
    expect(post.code).toBe(0);
    expect(post.warnings.join('\n')).toMatch(/the job was cancelled during the upload of the bundle: aborted the multipart upload of s3:\/\/cancel-bundles\/sigkill\//);
    expect(await openUploads()).toBe(0);
    expect(await objects('sigkill/')).toBe(0);
  });

  it('deploy with a directory bundle, SIGINT: no open upload, no scratch zip, the environment untouched', async () => {
    await createEnvironmentReady(h, { app: 'cancelled', env: 'cancelled-dev', label: 'v1' });
    const dir = join(tmp, 'app');
    await writeTestAppBundle(dir, { version: 'v2' });
    await mkdir(join(dir, 'static'));
    await writeFile(join(dir, 'static', 'video.bin'), randomBytes(40 * 1024 * 1024));
    const jobTmp = await mkdtemp(join(tmp, 'runner-temp-'));
    h.emulator.faults.s3SlowParts(3000);
    const inputs = { ...deployInputs('cancelled', 'cancelled-dev', dir), bucket: BUCKET, 'key-prefix': 'deploy', 'version-label': 'v2' };
    const env = { ...h.emulator.env, TMPDIR: jobTmp };
    const main = await runEntry('deploy', { inputs, env, onSpawn: (child) => whenUploadOpen(child, cancelLikeRunner) });
    expect(main.signal).toBe('SIGINT');
    expect(await openUploads()).toBe(0);
    expect(leftovers(jobTmp)).toEqual([]);

    const post = await runEntry('deploy', { inputs, env, state: main.state });
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/nothing to abort/);
    expect(await openUploads()).toBe(0);
    expect(await objects('deploy/')).toBe(0);
    const described = await describeEnv(h.eb, 'cancelled-dev');
    expect(described.VersionLabel).toBe('v1');
    expect(await servedVersion(described.CNAME)).toBe('v1');
  });
});
