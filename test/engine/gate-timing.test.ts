import { describe, expect, it } from 'vitest';
import { Deadline } from '../../src/engine/clock.js';
import { MemoryLogger } from '../../src/engine/logger.js';
import { EventStreamer } from '../../src/eb/events.js';
import { runGate, type GateRun } from '../../src/eb/watch.js';
import { PollPacer } from '../../src/eb/pacer.js';
import { FakeClock } from './fake-clock.js';
import { scriptedEb, type ScriptedState } from './fake-eb.js';

const target = { applicationName: 'app', environmentName: 'dev-env' };

function green(label: string): ScriptedState {
  return {
    env: { Status: 'Ready', VersionLabel: label, Health: 'Green', HealthStatus: 'Ok' },
    instances: [{ InstanceId: 'i-1', HealthStatus: 'Ok', Color: 'Green', Deployment: { VersionLabel: label } }],
  };
}
const updating: ScriptedState = { env: { Status: 'Updating', VersionLabel: 'v1', Health: 'Grey', HealthStatus: 'Pending' }, instances: [] };

async function gate(clock: FakeClock, script: (ms: number) => ScriptedState, deadlineMs = 20 * 60_000, healthyChecks = 3) {
  const { eb, calls } = scriptedEb(clock, script);
  const log = new MemoryLogger();
  const deadline = Deadline.after(clock, deadlineMs, 'deploy-timeout');
  const retry = { clock, log, deadline };
  const run: GateRun = {
    target,
    expectation: { label: 'v2', minHealth: 'ok', healthUrlExpectVersion: false, checkHealthUrl: false },
    rules: { healthyChecks, settleGraceMs: 60_000 },
    healthUrl: undefined,
    updateUnderway: true,
    startedAt: clock.now(),
    deadline,
  };
  const result = await runGate(eb, run, retry, new EventStreamer(eb, target, retry, log));
  return { result, calls, log };
}

describe('the gate loop, on a fake clock', () => {
  it('detects Green within one quick interval right after a short update, and confirms with 1 s checks', async () => {
    const clock = new FakeClock();
    const { result, log } = await gate(clock, (ms) => (ms < 12_000 ? updating : green('v2')));
    expect(result.passed).toBe(true);
    // First passing check at most 2 s after Green (12 s), then two more 1 s apart.
    expect(result.seconds).toBeGreaterThanOrEqual(14);
    expect(result.seconds).toBeLessThanOrEqual(16);
    expect(log.text()).toMatch(/check 1\/3 passed[\s\S]*check 2\/3 passed[\s\S]*gate passed/);
  });

  it('slows down on a long update (5 s, then 10 s) and keeps describe calls at or under 1/s on average', async () => {
    const clock = new FakeClock();
    const { result, calls } = await gate(clock, (ms) => (ms < 600_000 ? updating : green('v2')));
    expect(result.passed).toBe(true);
    expect(result.seconds).toBeLessThan(600 + 10 + 5);
    const gaps = clock.sleeps;
    expect(gaps[1]).toBe(2000);
    expect(gaps).toContain(5000);
    expect(gaps).toContain(10_000);
    expect(calls.length / result.seconds).toBeLessThanOrEqual(1);
    // No 10-second window ever has more than the burst (10) plus the refill.
    for (const c of calls) expect(calls.filter((d) => d.at >= c.at && d.at < c.at + 10_000).length).toBeLessThanOrEqual(20);
  });

  it('stops at the deadline when the update never finishes: a verdict, never a hang', async () => {
    const clock = new FakeClock();
    const { result, calls } = await gate(clock, () => updating, 5 * 60_000);
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/deadline \(deploy-timeout\) passed: status is Updating/);
    expect(result.seconds).toBeGreaterThanOrEqual(300);
    expect(result.seconds).toBeLessThanOrEqual(300 + 1);
    expect(calls.length / result.seconds).toBeLessThanOrEqual(1);
  });

  it('says enhanced health is off and gates on the colour when DescribeInstancesHealth is refused', async () => {
    const clock = new FakeClock();
    const { result, log } = await gate(clock, (ms) =>
      ms < 5000 ? updating : { env: { Status: 'Ready', VersionLabel: 'v2', Health: 'Green' }, instances: 'not-enhanced' },
    );
    expect(result.passed).toBe(true);
    expect(log.text()).toMatch(/enhanced health is off for "dev-env": gating on Status, VersionLabel and the Health color/);
  });

  it('fails as soon as EB is Ready again on the previous version (its own rollback)', async () => {
    const clock = new FakeClock();
    const { result } = await gate(clock, (ms) => (ms < 20_000 ? updating : green('v1')));
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/finished the update on "v1" instead of "v2"/);
    expect(result.seconds).toBeLessThanOrEqual(22);
  });

  it('never passes while instances run mixed versions (Rolling)', async () => {
    const clock = new FakeClock();
    const mixed: ScriptedState = {
      env: { Status: 'Ready', VersionLabel: 'v2', Health: 'Green', HealthStatus: 'Ok' },
      instances: [
        { InstanceId: 'i-1', HealthStatus: 'Ok', Deployment: { VersionLabel: 'v2' } },
        { InstanceId: 'i-2', HealthStatus: 'Ok', Deployment: { VersionLabel: 'v1' } },
      ],
    };
    const { result, log } = await gate(clock, (ms) => (ms < 30_000 ? mixed : green('v2')));
    expect(result.passed).toBe(true);
    expect(result.seconds).toBeGreaterThanOrEqual(30);
    expect(log.text()).toMatch(/instance i-2 runs "v1"/);
  });
});

describe('PollPacer', () => {
  it('waits for the token bucket when checks are expensive', () => {
    const clock = new FakeClock();
    const pacer = new PollPacer(clock, clock.now(), { callsPerSecond: 1, burst: 4 });
    pacer.spend(4);
    // Bucket empty: a 3-call check has to wait 3 s even though the schedule says 2 s.
    expect(pacer.nextDelay(false, 3)).toBe(3000);
    // When confirming, the schedule wants 1 s, but the budget still rules.
    expect(pacer.nextDelay(true, 3)).toBe(3000);
    clock.t += 10_000;
    expect(pacer.nextDelay(true, 3)).toBe(1000);
  });
});
