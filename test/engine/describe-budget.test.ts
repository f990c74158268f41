// The describe budget: built on the run's clock, it counts every describe attempt its EB client puts
// on the wire (an SDK retry included, nothing else), and paces on the whole run's calls.
import { DescribeEnvironmentsCommand, ElasticBeanstalkClient, UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { BUDGET_FLOOR_MS, DescribeBudget, formatDescribeUse } from '../../src/aws/describe-budget.js';
import { FakeClock } from './fake-clock.js';

/** An EB client whose every request answers 500 without leaving the process. */
function failingClient(maxAttempts: number): { eb: ElasticBeanstalkClient; requests: () => number } {
  let requests = 0;
  const eb = new ElasticBeanstalkClient({
    region: 'us-east-1',
    maxAttempts,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: {
      handle: () => {
        requests += 1;
        return Promise.resolve({ response: { statusCode: 500, headers: {}, body: undefined } });
      },
    },
  });
  return { eb, requests: () => requests };
}

describe('DescribeBudget', () => {
  it('counts each describe attempt on the wire (SDK retries too), not the other calls', async () => {
    const budget = new DescribeBudget(new FakeClock());
    const { eb, requests } = failingClient(2);
    budget.meter(eb);
    await expect(eb.send(new DescribeEnvironmentsCommand({}))).rejects.toThrow();
    expect(requests()).toBe(2);
    expect(budget.calls).toBe(2);
    await expect(eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'e' }))).rejects.toThrow();
    expect(requests()).toBe(4);
    expect(budget.calls).toBe(2);
  });

  it('reports the whole run: calls over the time since it was built, on its clock', () => {
    const clock = new FakeClock();
    const budget = new DescribeBudget(clock);
    budget.record(12);
    clock.t += 1500;
    // The first 20 s's calls may come at once (the preflight spends part of them)...
    expect(budget.delayFor(8)).toBe(0);
    expect(budget.delayFor(9)).toBe(BUDGET_FLOOR_MS + 1000 - 1500);
    clock.t += 28_500;
    budget.record(18);
    // ...the average over the whole run stays ≤ 1/s.
    expect(budget.use()).toEqual({ calls: 30, seconds: 30, perSecond: 1 });
    expect(budget.delayFor(1)).toBe(1000);
    expect(formatDescribeUse(budget.use())).toBe('30 describe calls in 30.0 s (1.00/s; budget ≤ 1/s)');
  });
});
