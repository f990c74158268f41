// awscli 2 (Debian's /usr/bin/aws) against the emulator: a 100 MiB file up (multipart, 8 MiB
// parts) and back (parallel ranged GETs), byte-identical, plus `s3 ls` and `s3api head-object`.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useS3Server } from './s3-support.js';

const run = promisify(execFile);
const s3 = useS3Server();
const SIZE = 100 * 1024 * 1024;
let workDir = '';

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 's3-awscli-test-'));
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function aws(...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/aws', ['--endpoint-url', s3().server.endpoint, ...args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workDir,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Random bytes written 1 MiB at a time, so the test never holds 100 MiB in memory. */
async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < size; written += 1024 * 1024) {
    const chunk = randomBytes(Math.min(1024 * 1024, size - written));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return hash.digest('hex');
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

describe('S3 emulator with awscli 2', () => {
  it('copies a 100 MiB file up and back byte-identical, lists it and heads it', { timeout: 120_000 }, async () => {
    const source = join(workDir, 'upload.bin');
    const expected = await writeRandomFile(source, SIZE);
    await aws('s3', 'mb', 's3://cli-bucket');
    await aws('s3', 'cp', '--only-show-errors', source, 's3://cli-bucket/releases/app v1.bin');
    const back = join(workDir, 'download.bin');
    await aws('s3', 'cp', '--only-show-errors', 's3://cli-bucket/releases/app v1.bin', back);
    expect((await stat(back)).size).toBe(SIZE);
    expect(await sha256File(back)).toBe(expected);
    expect(s3().server.stats().bytesReceived).toBeGreaterThanOrEqual(SIZE);

    const listing = await aws('s3', 'ls', '--recursive', 's3://cli-bucket/');
    expect(listing).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+${SIZE} releases/app v1\\.bin$`, 'm'));
    expect(await aws('s3', 'ls', 's3://cli-bucket/')).toMatch(/^\s+PRE releases\/$/m);
    expect(await aws('s3', 'ls')).toMatch(/ cli-bucket$/m);

    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'releases/app v1.bin')) as {
      ContentLength: number;
      ETag: string;
    };
    expect(head.ContentLength).toBe(SIZE);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-13"$/);
  });

  it('reports a missing key through awscli as a 404', async () => {
    await expect(aws('s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'missing')).rejects.toThrow(/404|Not Found/);
    await expect(aws('s3', 'cp', 's3://cli-bucket/missing', join(workDir, 'x'))).rejects.toThrow(/404|Not Found/);
  });
});
