// Raw HTTP to the emulator, SigV4-signed the way the AWS SDK signs (its own signer), for wire-level
// tests that need exact bodies or headers. Defaults: the emulator's test/test key, us-east-1.
import { SignatureV4 } from '@smithy/signature-v4';
import { SIGNER_SHA256 } from '../../src/emulator/auth/sigv4.js';

export interface SigningOptions {
  service: 'elasticbeanstalk' | 's3';
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Extra headers to sign (sent as they are). */
  headers?: Record<string, string>;
  /** S3: the x-amz-content-sha256 value to sign (default: the body's SHA-256). */
  contentSha256?: string;
  signingDate?: Date;
}

export function signer(opts: Pick<SigningOptions, 'service' | 'region' | 'accessKeyId' | 'secretAccessKey'>): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: opts.accessKeyId ?? 'test', secretAccessKey: opts.secretAccessKey ?? 'test' },
    region: opts.region ?? 'us-east-1',
    service: opts.service,
    sha256: SIGNER_SHA256,
    uriEscapePath: opts.service !== 's3',
    // x-amz-content-sha256 only when a test asks for it (SigningOptions.contentSha256).
    applyChecksum: false,
  });
}

/** The headers (authorization included) for a request to `url`. */
export async function signedHeaders(url: string, method: string, body: string | Buffer | undefined, opts: SigningOptions): Promise<Record<string, string>> {
  const u = new URL(url);
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  const headers: Record<string, string> = { host: u.host, ...opts.headers };
  if (opts.contentSha256 !== undefined) headers['x-amz-content-sha256'] = opts.contentSha256;
  const signed = await signer(opts).sign(
    { method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: u.pathname, query, headers, body },
    opts.signingDate ? { signingDate: opts.signingDate } : {},
  );
  const out = { ...(signed.headers as Record<string, string>) };
  delete out.host;
  return out;
}

export async function signedFetch(url: string, init: { method?: string; body?: string | Buffer; headers?: Record<string, string> }, opts: SigningOptions): Promise<Response> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const headers = await signedHeaders(url, method, init.body, { ...opts, headers: { ...opts.headers, ...init.headers } });
  return fetch(url, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
}

/** A presigned URL (query-string SigV4), as the SDK's presigner makes one. */
export async function presignedUrl(url: string, method: string, expiresIn: number, opts: SigningOptions): Promise<string> {
  const u = new URL(url);
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  const out = await signer(opts).presign(
    { method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: u.pathname, query, headers: { host: u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
    { expiresIn, unsignableHeaders: new Set(['x-amz-content-sha256']), unhoistableHeaders: new Set(['x-amz-content-sha256']), ...(opts.signingDate ? { signingDate: opts.signingDate } : {}) },
  );
  const search = Object.entries(out.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  return `${u.origin}${u.pathname}?${search}`;
}
