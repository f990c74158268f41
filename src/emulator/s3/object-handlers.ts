// Single-object operations: PutObject, GetObject (with Range), HeadObject, DeleteObject, CopyObject.
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { checksumHeader, createHasher } from './checksums.js';
import type { RequestContext } from './context.js';
import { httpDate, objectHeadersFrom, sendEmpty, sendXml, xmlDate } from './context.js';
import { header } from '../http-header.js';
import { S3Error, noSuchBucket, noSuchKey, preconditionFailed } from './errors.js';
import { receiveBody } from './receive-body.js';
import { checkWriteConditions, etagMatches } from './store.js';
import type { ObjectMeta } from './store.js';
import { s3Document } from './xml.js';

export function writeConditions(ctx: RequestContext): { ifNoneMatch?: string; ifMatch?: string } {
  const ifNoneMatch = header(ctx.req, 'if-none-match');
  const ifMatch = header(ctx.req, 'if-match');
  return { ...(ifNoneMatch !== undefined && { ifNoneMatch }), ...(ifMatch !== undefined && { ifMatch }) };
}

/** Fails early, before the body is read; the store checks again atomically when it commits. */
function precheckWrite(ctx: RequestContext): void {
  const existing = ctx.store.bucket(ctx.bucket).objects.get(ctx.key);
  const failed = checkWriteConditions(existing, ctx.key, writeConditions(ctx));
  if (failed) throw failed;
}

function checkKey(key: string): void {
  if (key === '') throw new S3Error('InvalidRequest', 400, 'An object key is required: use /<bucket>/<key>');
  if (Buffer.byteLength(key) > 1024) throw new S3Error('KeyTooLongError', 400, 'Your key is too long');
}

function checksumHeaders(meta: ObjectMeta): Record<string, string> {
  if (!meta.checksum) return {};
  return { [checksumHeader(meta.checksum.algorithm)]: meta.checksum.value, 'x-amz-checksum-type': meta.checksum.type };
}

export async function putObject(ctx: RequestContext): Promise<void> {
  checkKey(ctx.key);
  precheckWrite(ctx);
  const objectHeaders = objectHeadersFrom(ctx.req);
  const temp = ctx.store.tempPath();
  const body = await receiveBody(ctx.req, temp, { onBytes: ctx.onBytes });
  const meta = await ctx.store.putObject(
    ctx.bucket,
    {
      key: ctx.key,
      size: body.size,
      etag: `"${body.md5Hex}"`,
      ...objectHeaders,
      ...(body.checksum && { checksum: { ...body.checksum, type: 'FULL_OBJECT' as const } }),
    },
    temp,
    writeConditions(ctx),
  );
  sendEmpty(ctx.res, 200, { etag: meta.etag, ...checksumHeaders(meta) });
}

function objectHeaders(meta: ObjectMeta, withChecksum: boolean): Record<string, string | number> {
  const out: Record<string, string | number> = {
    'content-type': meta.contentType,
    etag: meta.etag,
    'last-modified': httpDate(meta.lastModified),
    'accept-ranges': 'bytes',
    ...meta.headers,
  };
  for (const [name, value] of Object.entries(meta.userMetadata)) out[`x-amz-meta-${name}`] = value;
  if (withChecksum) Object.assign(out, checksumHeaders(meta));
  return out;
}

/** Parses `bytes=a-b`, `bytes=a-`, `bytes=-n`; undefined means "ignore the header" as S3 does. */
export function parseRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) throw invalidRange(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return undefined;
  }
  if (start >= size) throw invalidRange(size);
  return { start, end };
}

function invalidRange(size: number): S3Error {
  return new S3Error('InvalidRange', 416, 'The requested range is not satisfiable', { ActualObjectSize: String(size) });
}

/** GET/HEAD conditions; returns 304 when the client's copy is current. */
function checkReadConditions(ctx: RequestContext, meta: ObjectMeta): number | undefined {
  const ifMatch = header(ctx.req, 'if-match');
  if (ifMatch !== undefined && !etagMatches(ifMatch, meta.etag)) throw preconditionFailed('If-Match');
  const ifNoneMatch = header(ctx.req, 'if-none-match');
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, meta.etag)) return 304;
  const ifUnmodifiedSince = header(ctx.req, 'if-unmodified-since');
  if (ifUnmodifiedSince !== undefined && ifMatch === undefined) {
    const since = Date.parse(ifUnmodifiedSince);
    if (!Number.isNaN(since) && Date.parse(meta.lastModified) > since + 999) throw preconditionFailed('If-Unmodified-Since');
  }
  return undefined;
}

/** Opens the object's data; retries once if a concurrent overwrite replaced the file meanwhile. */
async function openObject(ctx: RequestContext): Promise<{ meta: ObjectMeta; file: FileHandle }> {
  for (let attempt = 0; ; attempt++) {
    const meta = ctx.store.getObject(ctx.bucket, ctx.key);
    try {
      return { meta, file: await open(ctx.store.dataPath(ctx.bucket, meta), 'r') };
    } catch (error) {
      if (attempt > 0 || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

export async function getObject(ctx: RequestContext, headOnly: boolean): Promise<void> {
  checkKey(ctx.key);
  const { meta, file } = headOnly
    ? { meta: ctx.store.getObject(ctx.bucket, ctx.key), file: undefined }
    : await openObject(ctx);
  try {
    const notModified = checkReadConditions(ctx, meta);
    if (notModified) {
      sendEmpty(ctx.res, notModified, { etag: meta.etag, 'last-modified': httpDate(meta.lastModified) });
      return;
    }
    const range = parseRange(header(ctx.req, 'range'), meta.size);
    // A ranged reply carries no whole-object checksum: the client could not validate it.
    const wantsChecksum = header(ctx.req, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' && !range;
    const headers = objectHeaders(meta, wantsChecksum);
    if (range) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${meta.size}`;
      headers['content-length'] = range.end - range.start + 1;
    } else {
      headers['content-length'] = meta.size;
    }
    ctx.res.writeHead(range ? 206 : 200, headers);
    if (!file || meta.size === 0) {
      ctx.res.end();
      return;
    }
    const stream = createReadStream('', {
      fd: file,
      autoClose: false,
      start: range?.start ?? 0,
      end: range?.end ?? meta.size - 1,
    });
    await pipeline(stream, ctx.res);
  } finally {
    await file?.close();
  }
}

export async function deleteObject(ctx: RequestContext): Promise<void> {
  checkKey(ctx.key);
  await ctx.store.deleteObject(ctx.bucket, ctx.key);
  sendEmpty(ctx.res, 204);
}

function parseCopySource(value: string): { bucket: string; key: string } {
  const path = decodeURIComponent(value.split('?', 1)[0]!).replace(/^\//, '');
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw new S3Error('InvalidArgument', 400, `Invalid copy source "${value}": expected /<bucket>/<key>`);
  }
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

export async function copyObject(ctx: RequestContext, copySource: string): Promise<void> {
  checkKey(ctx.key);
  const source = parseCopySource(copySource);
  ctx.store.bucket(ctx.bucket);
  let sourceMeta: ObjectMeta;
  try {
    sourceMeta = ctx.store.getObject(source.bucket, source.key);
  } catch (error) {
    if (error instanceof S3Error && error.code === 'NoSuchBucket') throw noSuchBucket(source.bucket);
    throw noSuchKey(source.key);
  }
  const replace = header(ctx.req, 'x-amz-metadata-directive')?.toUpperCase() === 'REPLACE';
  if (!replace && source.bucket === ctx.bucket && source.key === ctx.key) {
    throw new S3Error(
      'InvalidRequest',
      400,
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const ifMatch = header(ctx.req, 'x-amz-copy-source-if-match');
  if (ifMatch !== undefined && !etagMatches(ifMatch, sourceMeta.etag)) throw preconditionFailed('x-amz-copy-source-If-Match');
  precheckWrite(ctx);
  // Copy through a hasher: the copy is a new single-part object whose ETag is the MD5 of its bytes.
  const temp = ctx.store.tempPath();
  const md5 = createHasher('MD5');
  const reader = createReadStream(ctx.store.dataPath(source.bucket, sourceMeta));
  reader.on('data', (chunk) => md5.update(Buffer.from(chunk)));
  await pipeline(reader, createWriteStream(temp));
  const described = replace ? objectHeadersFrom(ctx.req) : sourceMeta;
  const meta = await ctx.store.putObject(
    ctx.bucket,
    {
      key: ctx.key,
      size: sourceMeta.size,
      etag: `"${md5.digest().toString('hex')}"`,
      contentType: described.contentType,
      headers: described.headers,
      userMetadata: described.userMetadata,
      ...(sourceMeta.checksum?.type === 'FULL_OBJECT' && { checksum: sourceMeta.checksum }),
    },
    temp,
    writeConditions(ctx),
  );
  sendXml(
    ctx.res,
    200,
    s3Document('CopyObjectResult', { LastModified: xmlDate(meta.lastModified), ETag: meta.etag }),
  );
}
