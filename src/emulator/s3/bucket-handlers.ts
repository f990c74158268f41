// Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation,
// GetBucketVersioning, GetBucketAcl,
// ListObjects (v1 and V2) and DeleteObjects.
import type { RequestContext } from './context.js';
import { readSmallBody, sendEmpty, sendXml, verifySmallBody, xmlDate } from './context.js';
import { S3Error, invalidArgument, malformedXml } from './errors.js';
import { childElements, childText, readS3Body, s3Document, type XmlTree } from './xml.js';

const OWNER: XmlTree = { ID: '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a', DisplayName: 'emulator' };

export async function createBucket(ctx: RequestContext): Promise<void> {
  // The body may carry a CreateBucketConfiguration (LocationConstraint): any region is accepted.
  await readSmallBody(ctx.req, 64 * 1024);
  await ctx.store.createBucket(ctx.bucket);
  sendEmpty(ctx.res, 200, { location: `/${ctx.bucket}` });
}

export function headBucket(ctx: RequestContext): void {
  ctx.store.bucket(ctx.bucket);
  sendEmpty(ctx.res, 200, { 'x-amz-bucket-region': 'us-east-1' });
}

export async function deleteBucket(ctx: RequestContext): Promise<void> {
  if (ctx.uploads.hasUploadsIn(ctx.bucket) && ctx.store.bucket(ctx.bucket).objects.size === 0) {
    await ctx.uploads.abortAllIn(ctx.bucket);
  }
  await ctx.store.deleteBucket(ctx.bucket);
  sendEmpty(ctx.res, 204);
}

export function listBuckets(ctx: RequestContext): void {
  const buckets = ctx.store.listBuckets().map((b) => ({ Name: b.name, CreationDate: xmlDate(b.created) }));
  sendXml(ctx.res, 200, s3Document('ListAllMyBucketsResult', { Owner: OWNER, Buckets: { Bucket: buckets } }));
}

export function getBucketLocation(ctx: RequestContext): void {
  ctx.store.bucket(ctx.bucket);
  // us-east-1 is reported as an empty LocationConstraint, as S3 does.
  sendXml(ctx.res, 200, s3Document('LocationConstraint', {}));
}

/** GetBucketVersioning: buckets here are never versioned, which S3 reports as an empty configuration. */
export function getBucketVersioning(ctx: RequestContext): void {
  ctx.store.bucket(ctx.bucket);
  sendXml(ctx.res, 200, s3Document('VersioningConfiguration', {}));
}

/** GetBucketAcl: the owner has FULL_CONTROL and nobody else is granted anything (S3's default, private ACL). */
export function getBucketAcl(ctx: RequestContext): void {
  ctx.store.bucket(ctx.bucket);
  const grantee = { '@xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', '@xsi:type': 'CanonicalUser', ...OWNER };
  const grant = { Grantee: grantee, Permission: 'FULL_CONTROL' };
  sendXml(ctx.res, 200, s3Document('AccessControlPolicy', { Owner: OWNER, AccessControlList: { Grant: [grant] } }));
}

interface ListingPage {
  contents: string[];
  commonPrefixes: string[];
  truncated: boolean;
  /** Where the next page resumes: after this key, skipping keys under this common prefix. */
  next?: { after: string; skipPrefix?: string };
}

/** The listing walk shared by ListObjects and ListObjectsV2. */
function listPage(
  keys: readonly string[],
  options: { prefix: string; delimiter: string; after: string; skipPrefix?: string; maxKeys: number },
): ListingPage {
  const page: ListingPage = { contents: [], commonPrefixes: [], truncated: false };
  if (options.maxKeys === 0) return page; // S3 answers an empty, untruncated page
  for (const key of keys) {
    if (!key.startsWith(options.prefix)) continue;
    if (Buffer.compare(Buffer.from(key), Buffer.from(options.after)) <= 0) continue;
    if (options.skipPrefix && key.startsWith(options.skipPrefix)) continue;
    let commonPrefix: string | undefined;
    if (options.delimiter) {
      const at = key.indexOf(options.delimiter, options.prefix.length);
      if (at !== -1) commonPrefix = key.slice(0, at + options.delimiter.length);
    }
    if (commonPrefix !== undefined && commonPrefix === page.commonPrefixes.at(-1)) continue;
    if (page.contents.length + page.commonPrefixes.length >= options.maxKeys) {
      page.truncated = true;
      break;
    }
    if (commonPrefix !== undefined) {
      page.commonPrefixes.push(commonPrefix);
      page.next = { after: key, skipPrefix: commonPrefix };
    } else {
      page.contents.push(key);
      page.next = { after: key };
    }
  }
  return page;
}

function parseMaxKeys(ctx: RequestContext): number {
  const raw = ctx.query.get('max-keys');
  if (raw === null) return 1000;
  if (!/^\d+$/.test(raw)) throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', raw);
  return Math.min(Number(raw), 1000);
}

function encodeToken(next: { after: string; skipPrefix?: string }): string {
  return Buffer.from(JSON.stringify(next)).toString('base64url');
}

function decodeToken(token: string): { after: string; skipPrefix?: string } {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString()) as { after?: unknown; skipPrefix?: unknown };
    if (typeof value.after === 'string' && (value.skipPrefix === undefined || typeof value.skipPrefix === 'string')) {
      return value as { after: string; skipPrefix?: string };
    }
  } catch {
    // falls through to the error below
  }
  throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
}

export function listObjects(ctx: RequestContext, version: 1 | 2): void {
  const keys = ctx.store.sortedKeys(ctx.bucket);
  const prefix = ctx.query.get('prefix') ?? '';
  const delimiter = ctx.query.get('delimiter') ?? '';
  const maxKeys = parseMaxKeys(ctx);
  const encodingType = ctx.query.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') {
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
  }
  // With encoding-type=url (awscli always asks for it) keys are percent-encoded in the reply.
  const enc = (text: string): string => (encodingType === 'url' ? encodeURIComponent(text).replace(/%2F/g, '/') : text);
  const token = ctx.query.get('continuation-token');
  const startAfter = ctx.query.get(version === 2 ? 'start-after' : 'marker') ?? '';
  const resume = version === 2 && token !== null ? decodeToken(token) : { after: startAfter };
  const page = listPage(keys, { prefix, delimiter, maxKeys, ...resume });
  const bucket = ctx.store.bucket(ctx.bucket);
  const owner = version === 1 || ctx.query.get('fetch-owner') === 'true' ? OWNER : undefined;
  const contents = page.contents.map((key) => {
    const meta = bucket.objects.get(key)!;
    return {
      Key: enc(key),
      LastModified: xmlDate(meta.lastModified),
      ETag: meta.etag,
      ChecksumAlgorithm: meta.checksum?.algorithm,
      ChecksumType: meta.checksum?.type,
      Size: meta.size,
      Owner: owner,
      StorageClass: 'STANDARD',
    };
  });
  const common = {
    Name: ctx.bucket,
    Prefix: enc(prefix),
    Delimiter: delimiter ? enc(delimiter) : undefined,
    MaxKeys: maxKeys,
    EncodingType: encodingType ?? undefined,
    IsTruncated: page.truncated,
  };
  const paging =
    version === 2
      ? {
          KeyCount: page.contents.length + page.commonPrefixes.length,
          ContinuationToken: token ?? undefined,
          NextContinuationToken: page.truncated && page.next ? encodeToken(page.next) : undefined,
          StartAfter: startAfter ? enc(startAfter) : undefined,
        }
      : {
          Marker: enc(startAfter),
          NextMarker: page.truncated && page.next && delimiter ? enc(page.next.after) : undefined,
        };
  const prefixes = page.commonPrefixes.map((p) => ({ Prefix: enc(p) }));
  sendXml(ctx.res, 200, s3Document('ListBucketResult', { ...common, ...paging, Contents: contents, CommonPrefixes: prefixes }));
}

export async function deleteObjects(ctx: RequestContext): Promise<void> {
  ctx.store.bucket(ctx.bucket);
  const body = await readSmallBody(ctx.req);
  verifySmallBody(ctx.req, body);
  const request = readS3Body(body, 'Delete', ['Delete.Object'], (root) => {
    const keys = childElements(root, 'Object').map((object) => {
      const key = childText(object, 'Key');
      if (key === undefined) throw malformedXml('an <Object> has no <Key>');
      return key;
    });
    return { quiet: childText(root, 'Quiet')?.trim() === 'true', keys };
  });
  if (request.keys.length === 0 || request.keys.length > 1000) throw malformedXml('<Delete> must hold 1 to 1000 <Object> elements');
  const deleted: XmlTree[] = [];
  const errors: XmlTree[] = [];
  for (const key of request.keys) {
    try {
      await ctx.store.deleteObject(ctx.bucket, key);
      if (!request.quiet) deleted.push({ Key: key });
    } catch (error) {
      const code = error instanceof S3Error ? error.code : 'InternalError';
      const message = error instanceof Error ? error.message : String(error);
      errors.push({ Key: key, Code: code, Message: message });
    }
  }
  sendXml(ctx.res, 200, s3Document('DeleteResult', { Deleted: deleted, Error: errors }));
}
