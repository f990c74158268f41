// The emulated EB's own S3 calls (creating its storage bucket, fetching and deleting source bundles)
// go over HTTP like any client's, signed with the key store's service key so that S3 checks them
// the same way.
import { SignatureV4 } from '@smithy/signature-v4';
import type { KeyStore } from './keys.js';
import { EMPTY_SHA256, SIGNER_SHA256 } from './sigv4.js';

export type S3Fetch = (url: string, init: { method?: string; signal?: AbortSignal }) => Promise<Response>;

/** fetch() for bodiless S3 requests, SigV4-signed as the emulated EB service. */
export function serviceS3Fetch(keys: KeyStore, region: string): S3Fetch {
  const signer = new SignatureV4({
    credentials: { accessKeyId: keys.service.accessKeyId, secretAccessKey: keys.service.secretAccessKey },
    region,
    service: 's3',
    sha256: SIGNER_SHA256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  return async (url, init) => {
    const u = new URL(url);
    const query: Record<string, string> = {};
    for (const [k, v] of u.searchParams) query[k] = v;
    const signed = await signer.sign({
      method: init.method ?? 'GET',
      protocol: u.protocol,
      hostname: u.hostname,
      path: u.pathname,
      query,
      headers: { host: u.host, 'x-amz-content-sha256': EMPTY_SHA256 },
    });
    const headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host;
    return fetch(url, { ...init, headers });
  };
}
