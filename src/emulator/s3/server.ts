// The emulator's S3: the REST protocol over node:http with path-style addressing (/bucket/key).
// With a gate (auth/s3-gate.ts) every request must be SigV4-signed by one of the emulator's keys;
// without one any credentials are accepted. Routing maps method + sub-resource
// to an operation; every failure becomes S3's XML error document; fault injection and counters
// serve tests and benches.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createBucket,
  deleteBucket,
  deleteObjects,
  getBucketAcl,
  getBucketLocation,
  getBucketVersioning,
  headBucket,
  listBuckets,
  listObjects,
} from './bucket-handlers.js';
import type { RequestContext } from './context.js';
import { sendXml } from './context.js';
import { header } from '../http-header.js';
import { accessDenied, type S3Access, type S3Gate } from '../auth/s3-gate.js';
import { S3Error, internalError, notImplemented } from './errors.js';
import { MultipartUploads } from './multipart-store.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
} from './multipart-handlers.js';
import { copyObject, deleteObject, getObject, putObject } from './object-handlers.js';
import { ObjectStore } from './store.js';
import { s3ErrorDocument } from './xml.js';

export interface S3ServerOptions {
  host?: string;
  port?: number;
  dataDir: string;
  /** Signature checking; without it any credentials (or none) are accepted. */
  gate?: S3Gate;
}

export interface S3Faults {
  serverErrors(count: number, status?: number): void;
  /** Every UploadPart waits `ms` before it is served (0: off): keeps a multipart upload open long enough to interrupt. */
  slowParts(ms: number): void;
  clear(): void;
}

export interface S3Server {
  endpoint: string;
  port: number;
  faults: S3Faults;
  stats(): { requests: number; bytesReceived: number };
  close(): Promise<void>;
}

// Sub-resources of real S3 that this emulator does not implement: answered 501 NotImplemented
// rather than silently treated as a plain object or bucket request.
const UNSUPPORTED_SUBRESOURCES = [
  'acl', 'accelerate', 'analytics', 'attributes', 'cors', 'encryption', 'intelligent-tiering', 'inventory',
  'legal-hold', 'lifecycle', 'logging', 'metrics', 'notification', 'object-lock', 'ownershipControls',
  'policy', 'policyStatus', 'publicAccessBlock', 'replication', 'requestPayment', 'restore', 'retention',
  'select', 'tagging', 'torrent', 'versioning', 'versions', 'versionId', 'website', 'session', 'metadataTable',
];

type Operation = (ctx: RequestContext) => void | Promise<void>;

function route(method: string, bucket: string, key: string, query: URLSearchParams, req: IncomingMessage): Operation {
  // Reads a deploy pipeline makes of its bucket: answered (never versioned, private ACL), not 501.
  if (method === 'GET' && bucket !== '' && key === '') {
    if (query.has('versioning')) return getBucketVersioning;
    if (query.has('acl')) return getBucketAcl;
  }
  // versionId=null names the only version of an object in an unversioned bucket.
  const unsupported = UNSUPPORTED_SUBRESOURCES.find((name) => query.has(name) && !(name === 'versionId' && query.get(name) === 'null'));
  if (unsupported) return () => { throw notImplemented(`the ?${unsupported} sub-resource`); };
  if (bucket === '') {
    if (method === 'GET') return listBuckets;
  } else if (key === '') {
    if (method === 'PUT') return createBucket;
    if (method === 'HEAD') return headBucket;
    if (method === 'DELETE') return deleteBucket;
    if (method === 'POST' && query.has('delete')) return deleteObjects;
    if (method === 'GET') {
      if (query.has('location')) return getBucketLocation;
      if (query.has('uploads')) return listMultipartUploads;
      return (ctx) => listObjects(ctx, query.get('list-type') === '2' ? 2 : 1);
    }
  } else {
    const uploadId = query.has('uploadId');
    if (method === 'PUT') {
      const copySource = header(req, 'x-amz-copy-source');
      if (uploadId && copySource !== undefined) return () => { throw notImplemented('UploadPartCopy'); };
      if (uploadId) return uploadPart;
      if (copySource !== undefined) return (ctx) => copyObject(ctx, copySource);
      return putObject;
    }
    if (method === 'GET') return uploadId ? listParts : (ctx) => getObject(ctx, false);
    if (method === 'HEAD') return (ctx) => getObject(ctx, true);
    if (method === 'DELETE') return uploadId ? abortMultipartUpload : deleteObject;
    if (method === 'POST' && query.has('uploads')) return createMultipartUpload;
    if (method === 'POST' && uploadId) return completeMultipartUpload;
  }
  if (!['GET', 'PUT', 'POST', 'DELETE', 'HEAD'].includes(method)) return () => { throw notImplemented(`the ${method} method`); };
  return () => {
    throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.', {
      Method: method,
      ResourceType: key ? 'OBJECT' : bucket ? 'BUCKET' : 'SERVICE',
    });
  };
}

/** Splits a path-style URL into bucket and key; the key keeps every character after "/bucket/". */
function parsePath(rawUrl: string): { bucket: string; key: string; query: URLSearchParams } {
  // Requests through an HTTP proxy carry the absolute form (http://host/path).
  const target = rawUrl.replace(/^https?:\/\/[^/]*/i, '');
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  try {
    const bucket = decodeURIComponent(slash === -1 ? trimmed : trimmed.slice(0, slash));
    const key = slash === -1 ? '' : decodeURIComponent(trimmed.slice(slash + 1));
    return { bucket, key, query };
  } catch {
    throw new S3Error('InvalidURI', 400, `Couldn't parse the specified URI: ${rawUrl.slice(0, 200)}`);
  }
}

function sendError(req: IncomingMessage, res: ServerResponse, error: S3Error, resource: string): void {
  const requestId = String(res.getHeader('x-amz-request-id'));
  const hostId = String(res.getHeader('x-amz-id-2'));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const xml = s3ErrorDocument({ Code: error.code, Message: error.message, ...error.details, Resource: resource, RequestId: requestId, HostId: hostId });
  if (req.method === 'HEAD') {
    // HEAD replies carry no body; S3 gives the code only through the status.
    res.writeHead(error.status, { 'content-length': 0 });
    res.end();
    return;
  }
  // Close instead of draining a large body the client is still sending after an early error.
  if (!req.complete) res.setHeader('connection', 'close');
  sendXml(res, error.status, xml);
}

export async function startS3Server(opts: S3ServerOptions): Promise<S3Server> {
  if (typeof opts.dataDir !== 'string' || opts.dataDir === '') {
    throw new Error('startS3Server: dataDir is required (a directory where object data is kept)');
  }
  const store = new ObjectStore(opts.dataDir);
  const uploads = new MultipartUploads(store.tmpDir);
  const counters = { requests: 0, bytesReceived: 0 };
  const pendingFaults = { count: 0, status: 500, partDelayMs: 0 };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests++;
    res.setHeader('x-amz-request-id', randomBytes(8).toString('hex').toUpperCase());
    res.setHeader('x-amz-id-2', randomBytes(24).toString('base64'));
    res.setHeader('server', 'AmazonS3');
    const rawUrl = req.url ?? '/';
    let access: S3Access | undefined;
    try {
      if (pendingFaults.count > 0) {
        pendingFaults.count--;
        throw pendingFaults.status === 503
          ? new S3Error('ServiceUnavailable', 503, 'Please reduce your request rate.')
          : new S3Error('InternalError', pendingFaults.status, 'We encountered an internal error. Please try again.');
      }
      const { bucket, key, query } = parsePath(rawUrl);
      access = await opts.gate?.check(req, rawUrl.replace(/^https?:\/\/[^/]*/i, ''), { bucket, key, query });
      if (pendingFaults.partDelayMs > 0 && req.method === 'PUT' && query.has('uploadId') && query.has('partNumber'))
        await new Promise((resolve) => setTimeout(resolve, pendingFaults.partDelayMs));
      const operation = route(req.method ?? 'GET', bucket, key, query, req);
      const ctx: RequestContext = { req, res, bucket, key, query, store, uploads, onBytes: (n) => (counters.bytesReceived += n) };
      await operation(ctx);
    } catch (error) {
      let s3Error = error instanceof S3Error ? error : internalError();
      if (access?.missingKeyForbidden && s3Error.code === 'NoSuchKey') s3Error = accessDenied();
      // A client that hangs up mid-transfer is routine (awscli cancels ranged GETs); anything else
      // unexpected is a bug worth a log line.
      const hungUp = res.destroyed || (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
      if (!(error instanceof S3Error) && !hungUp) console.error(`s3 emulator: ${req.method} ${rawUrl} failed:`, error);
      sendError(req, res, s3Error, rawUrl.split('?', 1)[0]!);
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  // Malformed HTTP never reaches a handler: answer 400 on the socket instead of hanging it.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`S3 emulator cannot listen on ${opts.host ?? '127.0.0.1'}:${opts.port ?? 0}: ${error.message}`)));
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  // Loaded after the port is ours: a second server started by mistake on a busy port must not
  // touch the first one's data directory.
  try {
    await store.load();
  } catch (error) {
    server.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    faults: {
      serverErrors(count: number, status = 500) {
        if (!Number.isInteger(count) || count < 0) throw new Error(`serverErrors count must be a non-negative integer, got ${count}`);
        if (status < 500 || status > 599) throw new Error(`serverErrors status must be 5xx, got ${status}`);
        pendingFaults.count = count;
        pendingFaults.status = status;
      },
      slowParts(ms: number) {
        if (!Number.isInteger(ms) || ms < 0) throw new Error(`slowParts ms must be a non-negative integer, got ${ms}`);
        pendingFaults.partDelayMs = ms;
      },
      clear() {
        pendingFaults.count = 0;
        pendingFaults.partDelayMs = 0;
      },
    },
    stats: () => ({ ...counters }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
