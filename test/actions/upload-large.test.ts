// A bundle bigger than one part goes up as a multipart upload, arrives byte-identical, and a
// second run uploads nothing; an existing key with other bytes is refused, never overwritten.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.js';
import { runEntry } from './run-entry.js';

const h = useEmulator();
const tmp = await mkdtemp(join(tmpdir(), 'upload-large-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('upload-bundle action: large bundles and key safety', () => {
  it('uploads 20 MiB as multipart, byte-identical; a re-run uploads 0 bytes', async () => {
    const bytes = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(20 * 1024 * 1024)]);
    const file = join(tmp, 'big.zip');
    await writeFile(file, bytes);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const inputs = { 'application-name': 'big', bundle: file, bucket: 'bundles-test', 'key-prefix': 'apps/big' };
    await h.s3.send(new CreateBucketCommand({ Bucket: 'bundles-test' }));

    const first = await runEntry('upload-bundle', { inputs, env: h.emulator.env });
    expect(first.errors, first.stdout).toEqual([]);
    expect(first.outputs).toMatchObject({ 'bundle-sha256': sha, 's3-bucket': 'bundles-test', 's3-key': `apps/big/${sha}.zip`, 'uploaded-bytes': String(bytes.length) });
    const stored = await h.s3.send(new GetObjectCommand({ Bucket: 'bundles-test', Key: `apps/big/${sha}.zip` }));
    const body = Buffer.from(await stored.Body!.transformToByteArray());
    expect(createHash('sha256').update(body).digest('hex')).toBe(sha);
    // Multipart ETags end in -<parts>.
    expect(stored.ETag).toMatch(/-3"$/);

    const again = await runEntry('upload-bundle', { inputs, env: h.emulator.env });
    expect(again.errors).toEqual([]);
    expect(again.outputs['uploaded-bytes']).toBe('0');
  });

  it('refuses to overwrite a content-addressed key that holds other bytes', async () => {
    const bytes = Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(18)]);
    const file = join(tmp, 'small.zip');
    await writeFile(file, bytes);
    const sha = createHash('sha256').update(bytes).digest('hex');
    await h.s3.send(new PutObjectCommand({ Bucket: 'bundles-test', Key: `apps/clash/${sha}.zip`, Body: 'something else' }));
    const r = await runEntry('upload-bundle', { inputs: { 'application-name': 'clash', bundle: file, bucket: 'bundles-test', 'key-prefix': 'apps/clash' }, env: h.emulator.env });
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([`s3://bundles-test/apps/clash/${sha}.zip already exists with different content (size 14, sha256 unknown); refusing to overwrite it`]);
    const kept = await h.s3.send(new GetObjectCommand({ Bucket: 'bundles-test', Key: `apps/clash/${sha}.zip` }));
    expect(await kept.Body!.transformToString()).toBe('something else');
  });
});
