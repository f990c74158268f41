// Buckets and objects through the real SDK v3 client, configured only by env vars (s3-support.ts).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3Client as PlainS3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startS3Server } from '../../src/emulator/s3/server.js';
import { describe, expect, it } from 'vitest';
import { sha256, streamToBuffer, useS3Server } from './s3-support.js';

const s3 = useS3Server();
const BUCKET = 'objects-bucket';

async function errorOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

async function getBytes(client: S3Client, key: string, range?: string): Promise<Buffer> {
  const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ...(range && { Range: range }) }));
  return streamToBuffer(got.Body);
}

describe('S3 emulator: buckets', () => {
  it('creates buckets idempotently, heads, lists and deletes them', async () => {
    const { client } = s3();
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await client.send(new CreateBucketCommand({ Bucket: 'short-lived' }));
    await client.send(new HeadBucketCommand({ Bucket: 'short-lived' }));
    const location = await client.send(new GetBucketLocationCommand({ Bucket: 'short-lived' }));
    expect(location.LocationConstraint).toBeUndefined(); // us-east-1, as S3 reports it
    const listed = await client.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toEqual([BUCKET, 'short-lived']);
    expect(listed.Buckets?.[0]?.CreationDate).toBeInstanceOf(Date);
    await client.send(new DeleteBucketCommand({ Bucket: 'short-lived' }));
    expect((await errorOf(client.send(new HeadBucketCommand({ Bucket: 'short-lived' })))).name).toBe('NotFound');
    expect((await errorOf(client.send(new DeleteBucketCommand({ Bucket: 'short-lived' })))).name).toBe('NoSuchBucket');
    expect((await errorOf(client.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).name).toBe('InvalidBucketName');
  });

  it('refuses to delete a bucket that holds objects', async () => {
    const { client } = s3();
    await client.send(new CreateBucketCommand({ Bucket: 'full-bucket' }));
    await client.send(new PutObjectCommand({ Bucket: 'full-bucket', Key: 'k', Body: 'x' }));
    const error = await errorOf(client.send(new DeleteBucketCommand({ Bucket: 'full-bucket' })));
    expect(error.name).toBe('BucketNotEmpty');
    expect(error.$metadata?.httpStatusCode).toBe(409);
  });

  it('reports NoSuchBucket and NoSuchKey by error name', async () => {
    const { client } = s3();
    expect((await errorOf(client.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })))).name).toBe('NoSuchBucket');
    expect((await errorOf(client.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' })))).name).toBe('NoSuchBucket');
    const missing = await errorOf(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing/key' })));
    expect(missing.name).toBe('NoSuchKey');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    expect((await errorOf(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing/key' })))).name).toBe('NotFound');
  });
});

describe('S3 emulator: object bodies with SDK default settings', () => {
  it('round-trips a Buffer body with metadata, content type and a CRC32 the SDK validates', async () => {
    const { client } = s3();
    const data = randomBytes(1_000_003);
    const put = await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'buf/a b+ü.bin', Body: data, ContentType: 'application/zip', Metadata: { label: 'v1', 'git-sha': 'abc' } }),
    );
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(put.ChecksumCRC32).toBeDefined();
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'buf/a b+ü.bin', ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    expect(sha256(await streamToBuffer(got.Body))).toBe(sha256(data));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'buf/a b+ü.bin' }));
    expect(head).toMatchObject({ ContentLength: data.length, ContentType: 'application/zip', ETag: put.ETag, Metadata: { label: 'v1', 'git-sha': 'abc' } });
  });

  it('round-trips a fixed-length stream (sent aws-chunked with a checksum trailer)', async () => {
    const { client } = s3();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const body = Readable.from([data.subarray(0, 100_000), data.subarray(100_000, 2_000_000), data.subarray(2_000_000)]);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'stream/fixed', Body: body, ContentLength: data.length }));
    expect(sha256(await getBytes(client, 'stream/fixed'))).toBe(sha256(data));
  });

  it('round-trips an unknown-length stream through lib-storage Upload', async () => {
    const { client } = s3();
    const data = randomBytes(2 * 1024 * 1024 + 5);
    function* pieces(): Generator<Buffer> {
      for (let at = 0; at < data.length; at += 65_536) yield data.subarray(at, at + 65_536);
    }
    await new Upload({ client, params: { Bucket: BUCKET, Key: 'stream/unknown', Body: Readable.from(pieces()) } }).done();
    expect(sha256(await getBytes(client, 'stream/unknown'))).toBe(sha256(data));
  });

  it.each(['CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const)('stores and returns a %s checksum the SDK computed and validates', async (algorithm) => {
    const { client } = s3();
    const data = randomBytes(200_001);
    const key = `checksum/${algorithm}`;
    const put = await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Readable.from([data]), ContentLength: data.length, ChecksumAlgorithm: algorithm }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
    expect(got[`Checksum${algorithm}`]).toBe(put[`Checksum${algorithm}`]);
    expect(got[`Checksum${algorithm}`]).toBeTruthy();
    expect(sha256(await streamToBuffer(got.Body))).toBe(sha256(data));
  });

  it('serves byte ranges', async () => {
    const { client } = s3();
    const data = randomBytes(10_000);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'range', Body: data }));
    expect(await getBytes(client, 'range', 'bytes=100-199')).toEqual(data.subarray(100, 200));
    expect(await getBytes(client, 'range', 'bytes=9990-')).toEqual(data.subarray(9990));
    expect(await getBytes(client, 'range', 'bytes=-10')).toEqual(data.subarray(9990));
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range', Range: 'bytes=0-0' }));
    expect(got.ContentRange).toBe('bytes 0-0/10000');
    const error = await errorOf(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range', Range: 'bytes=20000-' })));
    expect(error.name).toBe('InvalidRange');
  });

  it('keeps an empty object empty', async () => {
    const { client } = s3();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'empty', Body: Buffer.alloc(0) }));
    expect((await getBytes(client, 'empty')).length).toBe(0);
  });
});

describe('S3 emulator: conditional writes, copy, delete', () => {
  it('refuses to overwrite with If-None-Match: * (PreconditionFailed, 412) and keeps the first body', async () => {
    const { client } = s3();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    const error = await errorOf(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once', Body: 'second', IfNoneMatch: '*' })));
    expect(error.name).toBe('PreconditionFailed');
    expect(error.$metadata?.httpStatusCode).toBe(412);
    expect((await getBytes(client, 'once')).toString()).toBe('first');
  });

  it('honours If-Match on writes', async () => {
    const { client } = s3();
    const first = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'one' }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'two', IfMatch: first.ETag }));
    const stale = await errorOf(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'three', IfMatch: first.ETag })));
    expect(stale.name).toBe('PreconditionFailed');
    expect((await getBytes(client, 'cas')).toString()).toBe('two');
  });

  it('copies an object with its metadata, or replaces the metadata when asked', async () => {
    const { client } = s3();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy/src', Body: 'payload', Metadata: { a: '1' }, ContentType: 'text/plain' }));
    const copied = await client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/dst', CopySource: `${BUCKET}/copy/src` }));
    expect(copied.CopyObjectResult?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copy/dst' }));
    expect(head).toMatchObject({ Metadata: { a: '1' }, ContentType: 'text/plain', ContentLength: 7 });
    await client.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/dst', CopySource: `${BUCKET}/copy/src`, MetadataDirective: 'REPLACE', Metadata: { b: '2' } }),
    );
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copy/dst' }))).Metadata).toEqual({ b: '2' });
    expect((await getBytes(client, 'copy/dst')).toString()).toBe('payload');
    const missing = await errorOf(client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/x', CopySource: `${BUCKET}/copy/none` })));
    expect(missing.name).toBe('NoSuchKey');
  });

  it('deletes one object, and many with DeleteObjects', async () => {
    const { client } = s3();
    const keys = ['del/1', 'del/2', 'del/3'];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'del/1' }));
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'del/never-existed' }));
    const result = await client.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'del/2' }, { Key: 'del/3' }, { Key: 'del/ghost' }] } }),
    );
    expect(result.Deleted?.map((d) => d.Key)).toEqual(['del/2', 'del/3', 'del/ghost']);
    expect(result.Errors).toBeUndefined();
    const left = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'del/' }));
    expect(left.KeyCount).toBe(0);
    expect(left.Contents).toBeUndefined();
  });
});

describe('S3 emulator: ListObjectsV2', () => {
  it('pages with max-keys and continuation tokens, and groups by delimiter', async () => {
    const { client } = s3();
    await client.send(new CreateBucketCommand({ Bucket: 'list-bucket' }));
    const keys = [...Array.from({ length: 25 }, (_, i) => `app/v${String(i).padStart(2, '0')}.zip`), 'app/logs/a', 'app/logs/b', 'other/x', 'root.txt'];
    await Promise.all(keys.map((Key) => client.send(new PutObjectCommand({ Bucket: 'list-bucket', Key, Body: Key }))));

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: 'list-bucket', Prefix: 'app/', MaxKeys: 10, ContinuationToken: token }));
      pages++;
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      expect(page.KeyCount).toBe(page.Contents?.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(keys.filter((k) => k.startsWith('app/')).sort());

    const grouped = await client.send(new ListObjectsV2Command({ Bucket: 'list-bucket', Delimiter: '/' }));
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['app/', 'other/']);
    expect(grouped.Contents?.map((c) => c.Key)).toEqual(['root.txt']);
    expect(grouped.Contents?.[0]).toMatchObject({ Size: 8, StorageClass: 'STANDARD' });

    // A page that ends on a common prefix must not list that prefix (or its keys) again.
    const firstPage = await client.send(new ListObjectsV2Command({ Bucket: 'list-bucket', Prefix: 'app/', Delimiter: '/', MaxKeys: 1 }));
    expect(firstPage.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['app/logs/']);
    expect(firstPage.Contents).toBeUndefined();
    expect(firstPage.IsTruncated).toBe(true);
    const rest = await client.send(
      new ListObjectsV2Command({ Bucket: 'list-bucket', Prefix: 'app/', Delimiter: '/', ContinuationToken: firstPage.NextContinuationToken }),
    );
    expect(rest.CommonPrefixes).toBeUndefined();
    expect(rest.IsTruncated).toBe(false);
    expect(rest.Contents?.map((c) => c.Key)).toEqual(keys.filter((k) => /^app\/v/.test(k)));

    const none = await client.send(new ListObjectsV2Command({ Bucket: 'list-bucket', MaxKeys: 0 }));
    expect([none.KeyCount, none.IsTruncated, none.Contents]).toEqual([0, false, undefined]);

    const after = await client.send(new ListObjectsV2Command({ Bucket: 'list-bucket', StartAfter: 'other/x' }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(['root.txt']);
  });
});

describe('S3 emulator: ListObjects (v1)', () => {
  // Reuses the keys the ListObjectsV2 test above put in list-bucket.
  it('lists with marker and delimiter', async () => {
    const { client } = s3();
    const page = await client.send(new ListObjectsCommand({ Bucket: 'list-bucket', Prefix: 'app/', Delimiter: '/', MaxKeys: 2 }));
    expect(page.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['app/logs/']);
    expect(page.Contents?.map((c) => c.Key)).toEqual(['app/v00.zip']);
    expect(page.IsTruncated).toBe(true);
    expect(page.NextMarker).toBe('app/v00.zip');
    const next = await client.send(new ListObjectsCommand({ Bucket: 'list-bucket', Prefix: 'app/', Delimiter: '/', Marker: page.NextMarker, MaxKeys: 1 }));
    expect(next.Contents?.map((c) => c.Key)).toEqual(['app/v01.zip']);
  });
});

describe('S3 emulator: persistence', () => {
  it('serves the same buckets and objects after a restart on the same data directory', async () => {
    const { client, server, dataDir } = s3();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'persisted', Body: 'still here', Metadata: { m: '1' } }));
    // A second server over the very same directory, as after a restart of the emulator.
    const restarted = await startS3Server({ dataDir });
    const other = new PlainS3Client({ endpoint: restarted.endpoint, forcePathStyle: true });
    try {
      const head = await other.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'persisted' }));
      expect(head.Metadata).toEqual({ m: '1' });
      const got = await other.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'persisted' }));
      expect(await got.Body?.transformToString()).toBe('still here');
      expect(server.port).not.toBe(restarted.port);
    } finally {
      other.destroy();
      await restarted.close();
    }
  });
});

describe('S3 emulator: startS3Server options', () => {
  it('names the problem when the port is taken or dataDir is missing', async () => {
    const { server, dataDir } = s3();
    await expect(startS3Server({ dataDir, port: server.port })).rejects.toThrow(`cannot listen on 127.0.0.1:${server.port}: listen EADDRINUSE`);
    await expect(startS3Server({ dataDir: '' })).rejects.toThrow('dataDir is required');
  });
});

describe('S3 emulator: faults and stats', () => {
  it('answers injected 5xx errors, which the SDK retries by itself', async () => {
    const { client, server } = s3();
    server.faults.serverErrors(2, 503);
    const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'retried', Body: 'ok' }));
    expect(put.$metadata.attempts).toBe(3);
    server.faults.serverErrors(5, 500);
    const error = await errorOf(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'retried' })));
    expect(error.name).toBe('InternalError');
    expect(error.$metadata?.httpStatusCode).toBe(500);
    server.faults.clear();
    expect((await getBytes(client, 'retried')).toString()).toBe('ok');
  });

  it('counts requests and object bytes received', async () => {
    const { client, server } = s3();
    const before = server.stats();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'counted', Body: Buffer.alloc(12_345) }));
    const after = server.stats();
    expect(after.bytesReceived - before.bytesReceived).toBe(12_345);
    expect(after.requests - before.requests).toBe(1);
  });
});
