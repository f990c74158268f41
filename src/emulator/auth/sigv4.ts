// Signature Version 4 checking for the emulated EB and S3: the Authorization header form and the
// query (presigned URL) form. The expected signature is computed by the AWS SDK's own signer
// (@smithy/signature-v4) from the request as it arrived, so the emulator does not carry a second
// SigV4 implementation. What is checked follows the IAM user guide, "Signature Version 4 for API
// requests" (elements of the Authorization header, credential scope, the 15-minute clock window)
// and the S3 API reference, "Authenticating Requests (AWS Signature Version 4)" (query parameters,
// X-Amz-Expires of at most 604,800 s, x-amz-content-sha256).
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { header, type RequestHeaders } from '../http-header.js';
import type { KeyStore, Principal } from './keys.js';

type SignerInit = ConstructorParameters<typeof SignatureV4>[0];
type SourceData = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 and HMAC-SHA-256 from node:crypto in the shape the signer takes. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    throw new Error('Sha256.reset is not used by the signer');
  }
}

function toBytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** The hash constructor the signer is given. */
export const SIGNER_SHA256 = Sha256 as unknown as SignerInit['sha256'];

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ALGORITHM = 'AWS4-HMAC-SHA256';
/** IAM user guide: a signed request is valid for 15 minutes around its x-amz-date. */
const CLOCK_WINDOW_MS = 15 * 60 * 1000;
const MAX_EXPIRES = 604_800;

export type AuthFailureKind =
  | 'missing' // no Authorization header and no X-Amz-Signature: an anonymous request
  | 'malformed' // the header or query parameters cannot be read
  | 'unsupported' // another algorithm (SigV2, SigV4a)
  | 'unknown-key'
  | 'scope' // credential scope names another region or service
  | 'mismatch'
  | 'skewed' // header form: x-amz-date more than 15 minutes from now
  | 'expired'; // query form: past X-Amz-Date + X-Amz-Expires

export class AuthFailure extends Error {
  constructor(
    readonly kind: AuthFailureKind,
    message: string,
    readonly details: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AuthFailure';
  }
}

export interface IncomingSigned extends RequestHeaders {
  method: string;
  /** The request target as sent: path (still percent-encoded) and query. */
  rawUrl: string;
  /** The whole body, for services that sign it (EB's form body); S3 signs x-amz-content-sha256. */
  body?: string;
}

export interface VerifyOptions {
  service: string;
  region: string;
  keys: KeyStore;
  /** S3 signs the path as sent; other services normalise and encode it again (SigV4 canonical URI). */
  uriEscapePath: boolean;
  now?: Date;
}

export interface Verified {
  principal: Principal;
  presigned: boolean;
  /** The payload hash the signature covers: a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* value. */
  payloadHash: string;
}

interface Claim {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  longDate: string;
  signedHeaders: string[];
  signature: string;
  expires?: number;
}

/** Query parameters decoded exactly (a '+' stays a '+', as SigV4 canonical queries treat it). */
export function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(eq === -1 ? part : part.slice(0, eq));
      value = eq === -1 ? '' : decodeURIComponent(part.slice(eq + 1));
    } catch {
      throw new AuthFailure('malformed', `The query parameter "${part.slice(0, 100)}" is not valid percent-encoding.`);
    }
    const prior = out[name];
    out[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

function parseCredential(credential: string): Pick<Claim, 'accessKeyId' | 'date' | 'region' | 'service' | 'terminator'> {
  const parts = credential.split('/');
  if (parts.length !== 5) {
    throw new AuthFailure('malformed', `Credential should have exactly 5 slash-separated components (KEY/DATE/REGION/SERVICE/aws4_request): "${credential}".`);
  }
  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] = parts;
  return { accessKeyId, date, region, service, terminator };
}

function parseLongDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function headerClaim(authorization: string, request: RequestHeaders): Claim {
  const space = authorization.indexOf(' ');
  const algorithm = space === -1 ? authorization : authorization.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw new AuthFailure('unsupported', `The authorization mechanism "${algorithm.slice(0, 40)}" is not supported. Please use ${ALGORITHM}.`);
  }
  const fields = new Map<string, string>();
  for (const item of authorization.slice(space + 1).split(',')) {
    const eq = item.indexOf('=');
    if (eq > 0) fields.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!fields.get(name)) throw new AuthFailure('malformed', `Authorization header requires '${name}' parameter. Authorization=${authorization.slice(0, 200)}`);
  }
  const longDate = header(request, 'x-amz-date');
  if (longDate === undefined) throw new AuthFailure('malformed', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  return {
    ...parseCredential(fields.get('Credential') ?? ''),
    longDate,
    signedHeaders: (fields.get('SignedHeaders') ?? '').split(';'),
    signature: fields.get('Signature') ?? '',
  };
}

function queryClaim(query: Record<string, string | string[]>): Claim {
  const get = (name: string): string => {
    const v = query[name];
    if (typeof v !== 'string' || v === '') throw new AuthFailure('malformed', `Query-string authentication requires the ${name} parameter.`);
    return v;
  };
  const algorithm = get('X-Amz-Algorithm');
  if (algorithm !== ALGORITHM) throw new AuthFailure('unsupported', `X-Amz-Algorithm only supports "${ALGORITHM}", got "${algorithm.slice(0, 40)}".`);
  const rawExpires = get('X-Amz-Expires');
  const expires = Number(rawExpires);
  if (!/^\d+$/.test(rawExpires) || expires > MAX_EXPIRES) {
    throw new AuthFailure('malformed', `X-Amz-Expires must be a whole number of seconds from 0 to ${MAX_EXPIRES} (a week), got "${rawExpires}".`);
  }
  return {
    ...parseCredential(get('X-Amz-Credential')),
    longDate: get('X-Amz-Date'),
    signedHeaders: get('X-Amz-SignedHeaders').split(';'),
    signature: get('X-Amz-Signature'),
    expires,
  };
}

const AUTH_QUERY = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks the request's SigV4 signature against the key store. Undefined for an anonymous request
 * (no Authorization header, no X-Amz-Signature); AuthFailure for anything signed wrongly.
 */
export async function verifySigV4(request: IncomingSigned, opts: VerifyOptions): Promise<Verified | undefined> {
  const now = opts.now ?? new Date();
  const queryAt = request.rawUrl.indexOf('?');
  const path = queryAt === -1 ? request.rawUrl : request.rawUrl.slice(0, queryAt);
  const query = parseQuery(queryAt === -1 ? '' : request.rawUrl.slice(queryAt + 1));
  const authorization = header(request, 'authorization');
  const presigned = authorization === undefined && query['X-Amz-Signature'] !== undefined;
  if (authorization === undefined && query.Signature !== undefined && query.AWSAccessKeyId !== undefined) {
    throw new AuthFailure('unsupported', 'Signature Version 2 query authentication is not supported. Please use AWS4-HMAC-SHA256.');
  }
  if (authorization === undefined && !presigned) {
    if (query['X-Amz-Credential'] !== undefined || query['X-Amz-Algorithm'] !== undefined) {
      throw new AuthFailure('malformed', 'Query-string authentication requires the X-Amz-Signature parameter.');
    }
    return undefined;
  }
  const claim = authorization !== undefined ? headerClaim(authorization, request) : queryClaim(query);

  const signedAt = parseLongDate(claim.longDate);
  if (!signedAt) throw new AuthFailure('malformed', `X-Amz-Date must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z', got "${claim.longDate}".`);
  if (claim.date !== claim.longDate.slice(0, 8)) {
    throw new AuthFailure('malformed', `Invalid credential date "${claim.date}": it must be the date of X-Amz-Date (${claim.longDate.slice(0, 8)}).`);
  }
  if (claim.terminator !== 'aws4_request') throw new AuthFailure('malformed', `Credential should be scoped with a valid terminator: 'aws4_request', not '${claim.terminator}'.`);

  const principal = opts.keys.get(claim.accessKeyId);
  if (!principal) throw new AuthFailure('unknown-key', `The access key ${claim.accessKeyId} is not one of the emulator's keys.`, { AWSAccessKeyId: claim.accessKeyId });
  if (claim.service !== opts.service) {
    throw new AuthFailure('scope', `Credential should be scoped to correct service: '${opts.service}'.`, { service: claim.service });
  }
  if (claim.region !== opts.region) {
    throw new AuthFailure('scope', `Credential should be scoped to a valid region, '${opts.region}', not '${claim.region}'.`, { Region: opts.region, region: claim.region });
  }

  if (claim.expires !== undefined) {
    const expiresAt = signedAt.getTime() + claim.expires * 1000;
    if (now.getTime() > expiresAt) {
      throw new AuthFailure('expired', 'Request has expired', {
        'X-Amz-Expires': String(claim.expires),
        Expires: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ServerTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
    }
  } else if (Math.abs(now.getTime() - signedAt.getTime()) > CLOCK_WINDOW_MS) {
    throw new AuthFailure('skewed', `Signature expired: ${claim.longDate} is now earlier than ${new Date(now.getTime() - CLOCK_WINDOW_MS).toISOString()} (15 minutes before the server time).`, {
      RequestTime: claim.longDate,
      ServerTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      MaxAllowedSkewMilliseconds: String(CLOCK_WINDOW_MS),
    });
  }

  // The request as the client signed it: only the headers it lists, values as received.
  const signed = new Set(claim.signedHeaders.map((h) => h.toLowerCase()));
  if (!signed.has('host')) throw new AuthFailure('malformed', "The SignedHeaders must include 'host'.");
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = header(request, name);
    if (value === undefined) throw new AuthFailure('mismatch', `The signed header ${name} is not in the request.`);
    if (name !== 'authorization') headers[name] = value;
  }
  const contentSha256 = header(request, 'x-amz-content-sha256');
  if (contentSha256 !== undefined) headers['x-amz-content-sha256'] = contentSha256;
  const unsignable = new Set(contentSha256 !== undefined && !signed.has('x-amz-content-sha256') ? ['x-amz-content-sha256'] : []);

  const signer = new SignatureV4({
    credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey },
    region: claim.region,
    service: claim.service,
    sha256: SIGNER_SHA256,
    uriEscapePath: opts.uriEscapePath,
    applyChecksum: false,
  });
  const hostHeader = headers.host ?? '';
  const base = { method: request.method, protocol: 'http:', hostname: hostHeader.replace(/:\d+$/, ''), path, headers };

  let expected: string;
  let payloadHash: string;
  if (claim.expires === undefined) {
    const out = await signer.sign(
      { ...base, query, body: request.body },
      { signingDate: signedAt, signableHeaders: signed, unsignableHeaders: unsignable },
    );
    expected = /Signature=([0-9a-f]+)/.exec(String(out.headers.authorization))?.[1] ?? '';
    payloadHash = contentSha256 ?? (request.body === undefined ? EMPTY_SHA256 : createHash('sha256').update(request.body).digest('hex'));
  } else {
    const rest = Object.fromEntries(Object.entries(query).filter(([k]) => !AUTH_QUERY.includes(k)));
    // A presigned URL's payload is not signed unless the client signed its hash as a header.
    payloadHash = contentSha256 ?? (opts.service === 's3' ? 'UNSIGNED-PAYLOAD' : EMPTY_SHA256);
    const out = await signer.presign(
      { ...base, query: rest, headers: { ...headers, 'x-amz-content-sha256': payloadHash } },
      {
        signingDate: signedAt,
        expiresIn: claim.expires,
        signableHeaders: signed,
        unsignableHeaders: signed.has('x-amz-content-sha256') ? new Set() : new Set(['x-amz-content-sha256']),
        unhoistableHeaders: new Set([...signed, 'x-amz-content-sha256']),
      },
    );
    expected = String(out.query?.['X-Amz-Signature'] ?? '');
  }
  if (!sameSignature(expected, claim.signature)) {
    throw new AuthFailure('mismatch', 'The request signature we calculated does not match the signature you provided.', {
      AWSAccessKeyId: claim.accessKeyId,
      SignatureProvided: claim.signature,
    });
  }
  return { principal, presigned, payloadHash };
}
