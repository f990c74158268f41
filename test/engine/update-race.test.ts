// "Must be Ready": another deploy slipped in between our Ready check and our UpdateEnvironment.
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../src/engine/clock.js';
import { MemoryLogger } from '../../src/engine/logger.js';
import { startUpdate } from '../../src/eb/environment.js';
import { retryUntil } from '../../src/aws/retry.js';
import { FakeClock } from './fake-clock.js';

function racingEb(clock: FakeClock, busyUntil: number) {
  const calls: string[] = [];
  const eb = {
    send(cmd: object) {
      const name = cmd.constructor.name;
      calls.push(name);
      const busy = clock.now() < busyUntil;
      if (name === 'UpdateEnvironmentCommand') {
        if (busy)
          return Promise.reject(
            Object.assign(new Error('Environment named dev-env is in an invalid state for this operation. Must be Ready.'), { name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } }),
          );
        return Promise.resolve({ EnvironmentName: 'dev-env', Status: 'Updating', VersionLabel: 'v1', $metadata: { requestId: 'req-1' } });
      }
      return Promise.resolve({ Environments: [{ EnvironmentName: 'dev-env', Status: busy ? 'Updating' : 'Ready' }], $metadata: {} });
    },
  };
  return { eb: eb as unknown as ElasticBeanstalkClient, calls };
}

describe('startUpdate', () => {
  it('waits for Ready and retries when EB answers "Must be Ready"', async () => {
    const clock = new FakeClock();
    const { eb, calls } = racingEb(clock, clock.now() + 7000);
    const log = new MemoryLogger();
    const deadline = Deadline.after(clock, 60_000, 'ready-timeout');
    const started = await startUpdate(eb, { applicationName: 'app', environmentName: 'dev-env' }, 'v2', retryUntil({ clock, log }, deadline));
    expect(started.requestId).toBe('req-1');
    expect(calls[0]).toBe('UpdateEnvironmentCommand');
    expect(calls.at(-1)).toBe('UpdateEnvironmentCommand');
    expect(calls.filter((c) => c === 'DescribeEnvironmentsCommand').length).toBeGreaterThanOrEqual(2);
    expect(log.text()).toMatch(/another operation started on "dev-env" first/);
  });

  it('gives up at the ready deadline when the environment stays busy', async () => {
    const clock = new FakeClock();
    const { eb } = racingEb(clock, Number.POSITIVE_INFINITY);
    const deadline = Deadline.after(clock, 30_000, 'ready-timeout (30 s)');
    await expect(
      startUpdate(eb, { applicationName: 'app', environmentName: 'dev-env' }, 'v2', retryUntil({ clock, log: new MemoryLogger() }, deadline)),
    ).rejects.toThrow('environment "dev-env" was still Updating after ready-timeout (30 s); nothing was deployed');
    expect(clock.now() - (deadline.at - 30_000)).toBeLessThanOrEqual(30_000);
  });
});
