import { describe, expect, it } from 'vitest';
import { isRetryable, retryUntil, withRetries } from '../../src/aws/retry.js';
import { Deadline } from '../../src/engine/clock.js';
import { MemoryLogger } from '../../src/engine/logger.js';
import { FakeClock } from './fake-clock.js';

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

describe('withRetries', () => {
  it('retries throttling and 5xx with growing, jittered delays until it succeeds', async () => {
    const clock = new FakeClock();
    let n = 0;
    const result = await withRetries('DescribeEnvironments', { clock, log: new MemoryLogger(), deadline: Deadline.after(clock, 600_000, 'x'), random: () => 1 }, () => {
      n += 1;
      if (n <= 4) return Promise.reject(n % 2 ? throttled() : Object.assign(new Error('boom'), { name: 'InternalFailure', $metadata: { httpStatusCode: 503 } }));
      return Promise.resolve('ok');
    });
    expect(result).toBe('ok');
    expect(clock.sleeps).toEqual([1500, 2500, 4500, 8500]);
  });

  it('gives up at the deadline with the last error', async () => {
    const clock = new FakeClock();
    const deadline = Deadline.after(clock, 60_000, 'x');
    await expect(withRetries('X', { clock, log: new MemoryLogger(), deadline }, () => Promise.reject(throttled()))).rejects.toThrow('Rate exceeded');
    expect(clock.now() - (deadline.at - 60_000)).toBeLessThanOrEqual(60_000);
  });

  it('does not retry a client error', async () => {
    const clock = new FakeClock();
    let n = 0;
    const bad = Object.assign(new Error('No Application named x'), { name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
    await expect(
      withRetries('X', { clock, log: new MemoryLogger(), deadline: Deadline.after(clock, 60_000, 'x') }, () => {
        n += 1;
        return Promise.reject(bad);
      }),
    ).rejects.toBe(bad);
    expect(n).toBe(1);
    expect(isRetryable(Object.assign(new Error(), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isRetryable(Object.assign(new Error(), { code: 'ECONNRESET' }))).toBe(true);
  });
});

describe('retryUntil', () => {
  it('is the one way a retry context is made: the deps\' clock and log, until a deadline or for ms from now', async () => {
    const clock = new FakeClock();
    const log = new MemoryLogger();
    const deadline = Deadline.after(clock, 5000, 'ready-timeout');
    expect(retryUntil({ clock, log }, deadline)).toEqual({ clock, log, deadline });
    const r = retryUntil({ clock, log }, 60_000, 'the preflight deadline');
    expect(r.deadline.what).toBe('the preflight deadline');
    expect(r.deadline.at).toBe(clock.now() + 60_000);
    clock.t += 60_000;
    await expect(withRetries('X', r, () => Promise.reject(throttled()))).rejects.toThrow('Rate exceeded');
  });
});
