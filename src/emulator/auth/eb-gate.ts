// The EB server's one hook: who signed the request (SigV4, sigv4.ts) and whether their identity
// policies allow the call (policy.ts, eb-resources.ts), answered with the codes the Query-protocol
// services use (EB API reference, "Common Errors": MissingAuthenticationToken 403,
// InvalidClientTokenId 403, IncompleteSignature 400; SignatureDoesNotMatch 403; AccessDenied 403
// "User: ARN is not authorized to perform: elasticbeanstalk:X on resource: Y ...").
// For the calls EB carries out with the caller's permissions (eb-service-calls.ts) it remembers the
// principal by request id, so that the background operation can fail the way EB reports it.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EbError, type QueryParams } from '../query-protocol.js';
import type { EbState, Environment } from '../state.js';
import { ebAuthorizations } from './eb-resources.js';
import { serviceCallDenial, type ServiceOperation } from './eb-service-calls.js';
import type { KeyStore, Principal } from './keys.js';
import { evaluate } from './policy.js';
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

/** The EB calls whose work EB does with the caller's permissions. */
const SERVICE_OPERATIONS: Record<string, ServiceOperation> = {
  CreateEnvironment: 'create',
  UpdateEnvironment: 'update',
  RebuildEnvironment: 'rebuild',
  TerminateEnvironment: 'terminate',
};
/** Principals of accepted environment operations, kept until their operation asks (or an hour). */
const REMEMBER_MS = 3600_000;

export class EbGate {
  private readonly callers = new Map<string, { principal: Principal; at: number }>();

  constructor(
    readonly keys: KeyStore,
    readonly region: string,
  ) {}

  /** The principal that signed the request, or EB's error for an unsigned or wrongly signed one. */
  async authenticate(req: IncomingMessage, body: string): Promise<Principal> {
    try {
      const verified = await verifySigV4(
        { method: req.method ?? 'GET', rawUrl: req.url ?? '/', headersDistinct: req.headersDistinct, body },
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

  /** Throws AccessDenied unless the principal's policies allow every authorisation the call needs. */
  authorize(principal: Principal, action: string, params: QueryParams, state: EbState, requestId: string): void {
    if (principal.policies) {
      for (const need of ebAuthorizations(action, params, state)) {
        const decision = evaluate(principal.policies, need.action, need.resource, need.context);
        if (decision === 'allow') continue;
        const why = decision === 'explicit-deny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${need.action} action`;
        throw new EbError('AccessDenied', `User: ${principal.arn} is not authorized to perform: ${need.action} on resource: ${need.resource} ${why}`, 403);
      }
      // DeleteApplicationVersion with DeleteSourceBundle deletes the bundle with the caller's
      // permissions; without s3:DeleteObject EB refuses (EB API reference: SourceBundleDeletionFailure).
      const source = action === 'DeleteApplicationVersion' && params.string('DeleteSourceBundle') === 'true'
        ? state.version(params.string('ApplicationName') ?? '', params.string('VersionLabel') ?? '')?.source
        : undefined;
      if (source && evaluate(principal.policies, 's3:DeleteObject', `arn:aws:s3:::${source.bucket}/${source.key}`) !== 'allow') {
        throw new EbError('SourceBundleDeletionFailure', 'Unable to delete source bundle associated with the application version.', 400);
      }
    }
    if (SERVICE_OPERATIONS[action] !== undefined) {
      const now = Date.now();
      for (const [id, c] of this.callers) if (now - c.at > REMEMBER_MS) this.callers.delete(id);
      this.callers.set(requestId, { principal, at: now });
    }
  }

  /** For a background environment operation: the ERROR event EB would write, or undefined. */
  serviceCallDenial(state: EbState, requestId: string, env: Environment, op: ServiceOperation): string | undefined {
    const caller = this.callers.get(requestId);
    this.callers.delete(requestId);
    return caller ? serviceCallDenial(state, env, op, caller.principal) : undefined;
  }
}
