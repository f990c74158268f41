// The S3 server's one hook: who signed the request (SigV4, sigv4.ts), what its payload hash
// promises, and whether the signer's identity policies allow it (policy.ts, s3-resources.ts),
// answered with S3's codes (S3 API reference, "Error responses"; "Authenticating Requests (AWS
// Signature Version 4)"). An unsigned request is anonymous, and an anonymous caller has no access
// here (the emulator has no bucket policies or ACLs): 403 AccessDenied.
import type { IncomingMessage } from 'node:http';
import { S3Error } from '../s3/errors.js';
import type { KeyStore, Principal } from './keys.js';
import { expectPayloadSha256, contentSha256Mismatch } from './payload.js';
import { evaluate } from './policy.js';
import { listBucketOf, s3Authorizations } from './s3-resources.js';
import { AuthFailure, EMPTY_SHA256, verifySigV4 } from './sigv4.js';

/** What the request may do beyond what was checked up front. */
export interface S3Access {
  principal: Principal;
  /**
   * S3 API reference, GetObject/HeadObject "Permissions": without s3:ListBucket on the bucket a
   * missing key is 403 AccessDenied, not 404 NoSuchKey.
   */
  missingKeyForbidden: boolean;
}

const PAYLOAD_FORMS = [
  'UNSIGNED-PAYLOAD',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
];

export const accessDenied = (): S3Error => new S3Error('AccessDenied', 403, 'Access Denied');

function s3Error(failure: AuthFailure, presigned: boolean): S3Error {
  switch (failure.kind) {
    case 'missing':
      return accessDenied();
    case 'malformed':
      return presigned
        ? new S3Error('AuthorizationQueryParametersError', 400, failure.message)
        : new S3Error('AuthorizationHeaderMalformed', 400, `The authorization header is malformed; ${failure.message}`);
    case 'unsupported':
      return new S3Error('InvalidRequest', 400, 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
    case 'unknown-key':
      return new S3Error('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.', failure.details);
    case 'scope':
      return failure.details.Region !== undefined
        ? new S3Error('AuthorizationHeaderMalformed', 400, `The authorization header is malformed; the region '${failure.details.region ?? ''}' is wrong; expecting '${failure.details.Region}'`, { Region: failure.details.Region })
        : new S3Error('AuthorizationHeaderMalformed', 400, `The authorization header is malformed; the service '${failure.details.service ?? ''}' is wrong; expecting 's3'`);
    case 'mismatch':
      return new S3Error('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', failure.details);
    case 'skewed':
      return new S3Error('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.', failure.details);
    case 'expired':
      return new S3Error('AccessDenied', 403, 'Request has expired', failure.details);
  }
}

export class S3Gate {
  constructor(
    readonly keys: KeyStore,
    readonly region: string,
  ) {}

  /** Authentication, then authorisation of the request for its signer. */
  async check(req: IncomingMessage, rawUrl: string, target: { bucket: string; key: string; query: URLSearchParams }): Promise<S3Access> {
    const principal = await this.authenticate(req, rawUrl);
    const { policies } = principal;
    if (!policies) return { principal, missingKeyForbidden: false };
    for (const need of s3Authorizations(req.method ?? 'GET', target.bucket, target.key, target.query, req.headers)) {
      if (evaluate(policies, need.action, need.resource) !== 'allow') throw accessDenied();
    }
    const list = listBucketOf(target.bucket);
    return { principal, missingKeyForbidden: target.key !== '' && evaluate(policies, list.action, list.resource) !== 'allow' };
  }

  /** The principal that signed the request, or S3's error; registers the payload hash to check. */
  async authenticate(req: IncomingMessage, rawUrl: string): Promise<Principal> {
    const presigned = req.headers.authorization === undefined;
    const contentSha256 = req.headers['x-amz-content-sha256'];
    try {
      if (!presigned && contentSha256 === undefined) {
        throw new S3Error('InvalidRequest', 400, 'Missing required header for this request: x-amz-content-sha256');
      }
      if (typeof contentSha256 === 'string' && !PAYLOAD_FORMS.includes(contentSha256) && !/^[0-9a-fA-F]{64}$/.test(contentSha256)) {
        throw new S3Error('InvalidArgument', 400, `x-amz-content-sha256 must be ${PAYLOAD_FORMS.join(', ')} or a valid sha256 value.`, {
          ArgumentName: 'x-amz-content-sha256',
          ArgumentValue: contentSha256,
        });
      }
      const verified = await verifySigV4(
        { method: req.method ?? 'GET', rawUrl, headersDistinct: req.headersDistinct },
        { service: 's3', region: this.region, keys: this.keys, uriEscapePath: false },
      );
      if (!verified) throw new AuthFailure('missing', 'anonymous');
      if (/^[0-9a-fA-F]{64}$/.test(verified.payloadHash)) {
        // No body at all (no length, not chunked): the hash must be the empty string's, now.
        const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
        if (!hasBody && verified.payloadHash.toLowerCase() !== EMPTY_SHA256) throw contentSha256Mismatch(verified.payloadHash, EMPTY_SHA256);
        if (hasBody) expectPayloadSha256(req, verified.payloadHash);
      }
      return verified.principal;
    } catch (err) {
      if (err instanceof AuthFailure) throw s3Error(err, presigned);
      throw err;
    }
  }
}
