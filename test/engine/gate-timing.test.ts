import { describe, expect, it } from 'vitest';
import { Deadline } from '../../src/engine/clock.js';
import { MemoryLogger } from '../../src/engine/logger.js';
import { EventStreamer } from '../../src/eb/events.js';
import { runGate, type GateRun } from '../../src/eb/watch.js';
import { CONFIRM_POLL_MS, PollPacer, WAIT_POLL_MS, confirmationCalls } from '../../src/eb/pacer.js';
import { BUDGET_FLOOR_MS, DescribeMeter, FLOOR_MAX_GAP_MS } from '../../src/aws/describe-meter.js';
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

/**
 * `priorCalls`: describe calls the deploy made before the gate (version, environment, events
 * baseline), `priorMs` the time they took since the process started (the budget's start).
 */
async function gate(clock: FakeClock, script: (ms: number) => ScriptedState, deadlineMs = 20 * 60_000, healthyChecks = 3, priorCalls = 0, priorMs = 0) {
  const meter = new DescribeMeter(clock);
  meter.record(priorCalls);
  clock.t += priorMs;
  const { eb, calls } = scriptedEb(clock, script, meter);
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
  return { result, calls, log, meter };
}

describe('the gate loop, on a fake clock', () => {
  it('saves the first 20 s of calls for their end, then polls every second; confirms with checks 0.4 s apart', async () => {
    const clock = new FakeClock();
    const t0 = clock.t;
    const { result, log, calls } = await gate(clock, (ms) => (ms < 40_000 ? updating : green('v2')));
    expect(result.passed).toBe(true);
    // The first passing check at most 2 s after Green (40 s), then two more 0.4 s apart.
    expect(result.seconds).toBeGreaterThanOrEqual(40 + (2 * CONFIRM_POLL_MS) / 1000);
    expect(result.seconds).toBeLessThanOrEqual(43);
    expect(log.text()).toMatch(/check 1\/3 passed[\s\S]*check 2\/3 passed[\s\S]*gate passed/);
    expect(clock.sleeps.slice(-2)).toEqual([CONFIRM_POLL_MS, CONFIRM_POLL_MS]);
    // While updating, one DescribeEnvironments per poll, never blind for more than 5 s, 1 s apart
    // from 12 s on; events only on a change or every 10 s; no instance calls before Ready.
    const polls = calls.filter((c) => c.name === 'DescribeEnvironmentsCommand' && c.at - t0 < 40_000).map((c) => c.at - t0);
    expect(polls.length).toBeGreaterThanOrEqual(30);
    polls.forEach((at, i) => expect(at - (polls[i - 1] ?? 0)).toBeLessThanOrEqual(FLOOR_MAX_GAP_MS));
    polls.filter((at) => at >= 12_000).forEach((at, i, late) => expect(at - (late[i - 1] ?? at - 1000)).toBe(1000));
    const waiting = calls.filter((c) => c.at - t0 < 40_000);
    expect(waiting.filter((c) => c.name === 'DescribeEventsCommand').length).toBeLessThanOrEqual(5);
    expect(waiting.filter((c) => c.name === 'DescribeInstancesHealthCommand')).toEqual([]);
  });

  it('over a 5-minute update: describe calls ≤ 1/s on average (the calls before the gate included), Green detected within 2 s', async () => {
    const priorCalls = 6;
    const latencies: number[] = [];
    // Green at 40 moments 0.1 s apart: the expected latency is the mean over where it falls between polls.
    for (let k = 0; k < 40; k++) {
      const greenAtMs = 300_000 + k * 100;
      const clock = new FakeClock();
      const { result, meter, calls } = await gate(clock, (ms) => (ms < greenAtMs ? updating : green('v2')), 20 * 60_000, 3, priorCalls);
      expect(result.passed).toBe(true);
      latencies.push(result.seconds - greenAtMs / 1000);
      expect(meter.calls).toBe(priorCalls + calls.length);
      expect(meter.calls / result.seconds).toBeLessThanOrEqual(1);
      // Never a burst EB would throttle (reported: about 2/s, bursts of 15): at most 15 calls in any 10 s.
      for (const c of calls) expect(calls.filter((d) => d.at >= c.at && d.at < c.at + 10_000).length).toBeLessThanOrEqual(15);
    }
    const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    expect(mean).toBeLessThanOrEqual(2);
    // Worst case: Green just after a poll (1 s to the next), then two confirmation spacings.
    expect(Math.max(...latencies)).toBeLessThanOrEqual(2);
    expect(Math.min(...latencies)).toBeGreaterThanOrEqual((2 * CONFIRM_POLL_MS) / 1000 - 1e-9);
  });

  it('keeps to the budget on a short update too: a 25 s update with 5 calls before the gate', async () => {
    const clock = new FakeClock();
    const { result, meter } = await gate(clock, (ms) => (ms < 25_000 ? updating : green('v2')), 20 * 60_000, 3, 5);
    expect(result.passed).toBe(true);
    expect(meter.calls / result.seconds).toBeLessThanOrEqual(1);
    expect(result.seconds - 25).toBeLessThanOrEqual(2.2);
  });

  it('on an update as short as EB allows (20 s, 4 calls and 0.3 s before it, as in the bench): Green detected within 2 s, ≤ 1 call/s from the process start', async () => {
    const latencies: number[] = [];
    for (let k = 0; k < 20; k++) {
      const greenAtMs = 20_000 + k * 50;
      const clock = new FakeClock();
      const { result, meter } = await gate(clock, (ms) => (ms < greenAtMs ? updating : green('v2')), 20 * 60_000, 3, 4, 300);
      expect(result.passed).toBe(true);
      latencies.push(result.seconds - greenAtMs / 1000);
      expect(meter.calls / (result.seconds + 0.3)).toBeLessThanOrEqual(1);
    }
    expect(Math.max(...latencies)).toBeLessThanOrEqual(2);
  });

  it('confirms with the instances read on the first and last checks only, and never passes on a last check that sees an instance off the label', async () => {
    const clock = new FakeClock();
    const t0 = clock.t;
    const { result, calls } = await gate(clock, (ms) => (ms < 30_000 ? updating : green('v2')));
    expect(result.passed).toBe(true);
    const confirmation = calls.filter((c) => c.at - t0 >= 30_000).map((c) => c.name.replace('Command', ''));
    expect(confirmation).toEqual([
      'DescribeEnvironments', 'DescribeEvents', 'DescribeInstancesHealth',
      'DescribeEnvironments',
      'DescribeEnvironments', 'DescribeInstancesHealth',
    ]);
    // An instance goes back to the old label right after the first passing check: the last check sees it.
    const clock2 = new FakeClock();
    const flaky = (ms: number): ScriptedState => {
      if (ms < 30_000) return updating;
      const state = green('v2');
      if (ms >= 30_200 && ms < 40_000) state.instances = [{ InstanceId: 'i-1', HealthStatus: 'Ok', Deployment: { VersionLabel: 'v1' } }];
      return state;
    };
    const second = await gate(clock2, flaky);
    expect(second.result.passed).toBe(true);
    expect(second.result.seconds).toBeGreaterThanOrEqual(40);
    expect(second.log.text()).toMatch(/instance i-1 runs "v1"/);
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

describe('PollPacer and the describe budget', () => {
  it('spreads the first 20 s, then waits 1 s between polls while the budget allows, longer once it is spent, keeping the confirmation in reserve', () => {
    const clock = new FakeClock();
    const meter = new DescribeMeter(clock);
    const pacer = new PollPacer(clock, meter, 3);
    expect(confirmationCalls(3)).toBe(5);
    // In the first 20 s (no EB update is shorter) their 20 calls are saved for the end: 20 - 5 in
    // reserve = 15, the 14 after this poll 1 s apart over the last 14 s, so this one waits 6 s —
    // capped at 5 s so an early failure is still seen.
    expect(pacer.nextDelay(false, 1)).toBe(FLOOR_MAX_GAP_MS);
    clock.t += 3_000;
    expect(pacer.nextDelay(false, 1)).toBe(3_000);
    clock.t += 3_000;
    expect(pacer.nextDelay(false, 1)).toBe(WAIT_POLL_MS);
    clock.t -= 6_000;
    clock.t += BUDGET_FLOOR_MS;
    meter.record(13);
    // After 20 s: 1 s while the budget allows (13 used + 1 next + 6 in reserve ≤ 20)...
    expect(pacer.nextDelay(false, 1)).toBe(WAIT_POLL_MS);
    meter.record(3);
    meter.record(1);
    // ...then as the budget allows: 17 + 1 + 5 = 23 calls at 23 s, 3 s from now.
    expect(pacer.nextDelay(false, 1)).toBe(3000);
    // A confirmation check spends the reserve: only its own 0.4 s spacing.
    expect(pacer.nextDelay(true, 2)).toBe(CONFIRM_POLL_MS);
    // A gate's first check keeps no reserve: 17 used + 2 next = 19 ≤ 20.
    expect(pacer.firstDelay(2)).toBe(WAIT_POLL_MS);
    meter.record(5);
    // 22 used + 2 next = 24 calls: 24 s after the start, 4 s from now.
    expect(pacer.firstDelay(2)).toBe(4000);
  });

  it('reads events on a change at once, otherwise every 10 s', () => {
    const clock = new FakeClock();
    const pacer = new PollPacer(clock, new DescribeMeter(clock), 3);
    expect(pacer.eventsDue(false)).toBe(true);
    pacer.eventsRead();
    clock.t += 9_999;
    expect(pacer.eventsDue(false)).toBe(false);
    expect(pacer.eventsDue(true)).toBe(true);
    clock.t += 1;
    expect(pacer.eventsDue(false)).toBe(true);
  });

  it('puts periodic events off while the budget is tight, 30 s at the most', () => {
    const clock = new FakeClock();
    const meter = new DescribeMeter(clock);
    const pacer = new PollPacer(clock, meter, 3);
    pacer.eventsRead();
    meter.record(BUDGET_FLOOR_MS / 1000 - confirmationCalls(3));
    clock.t += 10_000;
    expect(pacer.eventsDue(false)).toBe(false);
    expect(pacer.eventsDue(true)).toBe(true);
    clock.t += 20_000;
    expect(pacer.eventsDue(false)).toBe(true);
  });
});
