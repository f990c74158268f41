// x-amz-content-sha256 as S3 checks it: a hex SHA-256 the signature covers must be the hash of the
// body that arrives (S3 API reference, "Authenticating Requests: Using the Authorization Header",
// XAmzContentSHA256Mismatch). The S3 gate registers the expected hash here; the body readers
// (receive-body.ts, context.ts) hash what they read and call checkPayloadSha256 at the end.
import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { S3Error } from '../s3/errors.js';

const expected = new WeakMap<IncomingMessage, string>();

export function expectPayloadSha256(req: IncomingMessage, hex: string): void {
  expected.set(req, hex.toLowerCase());
}

/** A hasher for the body when its hash must be checked, else undefined (no cost). */
export function payloadHasher(req: IncomingMessage): Hash | undefined {
  return expected.has(req) ? createHash('sha256') : undefined;
}

export function checkPayloadSha256(req: IncomingMessage, hasher: Hash | undefined): void {
  const claimed = expected.get(req);
  if (claimed === undefined || hasher === undefined) return;
  const computed = hasher.digest('hex');
  if (computed !== claimed) throw contentSha256Mismatch(claimed, computed);
}

export const contentSha256Mismatch = (claimed: string, computed: string): S3Error =>
  new S3Error('XAmzContentSHA256Mismatch', 400, "The provided 'x-amz-content-sha256' header does not match what was computed.", {
    ClientComputedContentSHA256: claimed,
    S3ComputedContentSHA256: computed,
  });
