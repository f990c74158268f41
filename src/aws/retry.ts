// On top of the SDK's own retries (a few attempts per call), the engine keeps retrying
// throttling, 5xx and dropped connections with jittered exponential backoff until the phase's
// deadline — a long "Rate exceeded" spell slows a deploy down instead of failing it, and the
// deadline keeps it from ever hanging.
import { Deadline, type Clock } from '../engine/clock.js';
import type { Logger } from '../engine/logger.js';
import { errorMessage } from '../config/errors.js';

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown']);
const TRANSIENT_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'TimeoutError', 'RequestTimeout']);

interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as AwsLikeError;
  if (e.name && THROTTLING.has(e.name)) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return Boolean((e.name && TRANSIENT_NETWORK.has(e.name)) || (e.code && TRANSIENT_NETWORK.has(e.code)));
}

export function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null ? ((err as AwsLikeError).name ?? '') : '';
}

export interface RetryContext {
  clock: Clock;
  log: Logger;
  deadline: Deadline;
  /** For tests: replaces Math.random in the jitter. */
  random?: () => number;
}

/**
 * The one way a RetryContext is made: the run's clock and log, retrying until `deadline` — or
 * until `ms` from now, named `what` in the messages (a Deadline made here on the same clock).
 */
export function retryUntil(deps: { clock: Clock; log: Logger }, deadline: Deadline): RetryContext;
export function retryUntil(deps: { clock: Clock; log: Logger }, ms: number, what: string): RetryContext;
export function retryUntil(deps: { clock: Clock; log: Logger }, until: Deadline | number, what = ''): RetryContext {
  const deadline = typeof until === 'number' ? Deadline.after(deps.clock, until, what) : until;
  return { clock: deps.clock, log: deps.log, deadline };
}

export async function withRetries<T>(what: string, ctx: RetryContext, fn: () => Promise<T>): Promise<T> {
  let attempt = 0;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetryable(err) || ctx.deadline.passed()) throw err;
      attempt += 1;
      // Full jitter over an exponential ceiling (1 s, 2 s, 4 s ... capped at 20 s).
      const ceiling = Math.min(20_000, 1000 * 2 ** Math.min(attempt - 1, 5));
      const delay = Math.min(ctx.deadline.remaining(), Math.round(500 + (ctx.random ?? Math.random)() * ceiling));
      ctx.log.debug(`${what}: ${errorName(err) || 'error'} (${errorMessage(err)}), retrying in ${delay} ms (attempt ${attempt + 1})`);
      if (attempt === 3) ctx.log.info(`${what}: AWS keeps answering ${errorName(err) || 'errors'}; still retrying until the deadline`);
      await ctx.clock.sleep(delay);
    }
  }
}
