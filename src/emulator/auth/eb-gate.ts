// The EB server's one hook: who signed the request (SigV4, sigv4.ts), answered with the codes the
// Query-protocol services use (EB API reference, "Common Errors": MissingAuthenticationToken 403,
// InvalidClientTokenId 403, IncompleteSignature 400; SignatureDoesNotMatch 403).
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EbError } from '../query-protocol.js';
import type { KeyStore, Principal } from './keys.js';
import { AuthFailure, verifySigV4 } from './sigv4.js';

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function ebError(failure: AuthFailure): EbError {
  switch (failure.kind) {
    case 'missing':
      return new EbError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    case 'malformed':
    case 'unsupported':
      return new EbError('IncompleteSignature', failure.message, 400);
    case 'unknown-key':
      return new EbError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    case 'mismatch':
      return new EbError('SignatureDoesNotMatch', MISMATCH, 403);
    case 'scope':
    case 'skewed':
      return new EbError('SignatureDoesNotMatch', failure.message, 403);
    case 'expired':
      return new EbError('SignatureDoesNotMatch', `Signature expired: the request was valid until ${failure.details.Expires ?? '?'}; it is now ${failure.details.ServerTime ?? '?'}.`, 403);
  }
}

export class EbGate {
  constructor(
    readonly keys: KeyStore,
    readonly region: string,
  ) {}

  /** The principal that signed the request, or EB's error for an unsigned or wrongly signed one. */
  async authenticate(req: IncomingMessage, body: string): Promise<Principal> {
    try {
      const verified = await verifySigV4(
        { method: req.method ?? 'GET', rawUrl: req.url ?? '/', headers: req.headers, body },
        { service: 'elasticbeanstalk', region: this.region, keys: this.keys, uriEscapePath: true },
      );
      if (!verified) throw new AuthFailure('missing', 'unsigned');
      // Services other than S3 sign the body itself; a hash header that lies about it is a bad signature.
      const claimed = req.headers['x-amz-content-sha256'];
      if (typeof claimed === 'string' && claimed !== createHash('sha256').update(body).digest('hex')) {
        throw new AuthFailure('mismatch', 'x-amz-content-sha256 does not match the body');
      }
      return verified.principal;
    } catch (err) {
      if (err instanceof AuthFailure) throw ebError(err);
      throw err;
    }
  }
}
