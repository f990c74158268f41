// What every S3 operation handler receives, and the small reply helpers they share.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CHECKSUM_ALGORITHMS, checksumHeader, checksumOf } from './checksums.js';
import { S3Error, badDigest } from './errors.js';
import { checkPayloadSha256, payloadHasher } from '../auth/payload.js';
import type { ObjectMeta, ObjectStore } from './store.js';
import type { MultipartUploads } from './multipart-store.js';
import { header } from '../http-header.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  bucket: string;
  key: string;
  query: URLSearchParams;
  store: ObjectStore;
  uploads: MultipartUploads;
  /** Counts object bytes received, for stats(). */
  onBytes: (n: number) => void;
}

export function sendXml(res: ServerResponse, status: number, xml: string): void {
  const body = Buffer.from(xml);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': body.length });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': 0 });
  res.end();
}

/** Reads a small request body (XML documents), refusing anything larger than `limit`. */
export async function readSmallBody(req: IncomingMessage, limit = 2 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sha256 = payloadHasher(req);
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new S3Error('MaxMessageLengthExceeded', 400, `Your request was too big (limit ${limit} bytes).`);
    chunks.push(chunk);
    sha256?.update(chunk);
  }
  checkPayloadSha256(req, sha256);
  return Buffer.concat(chunks);
}

/** Checks Content-MD5 and x-amz-checksum-* headers of a body read whole (DeleteObjects, …). */
export function verifySmallBody(req: IncomingMessage, body: Buffer): void {
  const contentMd5 = header(req, 'content-md5');
  if (contentMd5 !== undefined && contentMd5 !== checksumOf('MD5', body)) throw badDigest('MD5');
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const claimed = header(req, checksumHeader(algorithm));
    if (claimed !== undefined && claimed !== checksumOf(algorithm, body)) throw badDigest(algorithm);
  }
}

const STORED_HEADERS = ['content-disposition', 'cache-control', 'content-language', 'expires'] as const;

/** The object headers S3 stores from a write (PutObject, CreateMultipartUpload, CopyObject REPLACE). */
export function objectHeadersFrom(req: IncomingMessage): Pick<ObjectMeta, 'contentType' | 'headers' | 'userMetadata'> {
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = header(req, name);
    if (value !== undefined) headers[name] = value;
  }
  // aws-chunked is transfer framing, not a property of the object.
  const encoding = (header(req, 'content-encoding') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e.toLowerCase() !== 'aws-chunked')
    .join(',');
  if (encoding) headers['content-encoding'] = encoding;
  const userMetadata: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (name.startsWith('x-amz-meta-') && values !== undefined) userMetadata[name.slice('x-amz-meta-'.length)] = values.join(',');
  }
  const metadataSize = Object.entries(userMetadata).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (metadataSize > 2048) {
    throw new S3Error('MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size.');
  }
  return { contentType: header(req, 'content-type') ?? 'binary/octet-stream', headers, userMetadata };
}

export function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

/** S3 timestamps in XML: ISO 8601 with milliseconds. */
export function xmlDate(iso: string): string {
  return new Date(iso).toISOString();
}
