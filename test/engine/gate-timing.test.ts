import { describe, expect, it } from 'vitest';
import { Deadline } from '../../src/engine/clock.js';
import { MemoryLogger } from '../../src/engine/logger.js';
import { EventStreamer } from '../../src/eb/events.js';
import { runGate, type GateRun } from '../../src/eb/watch.js';
import { FIRST_ON_LABEL_CALLS, INSTANCES_EVERY_MS, MAX_HOLD_MS, POLL_MS, PollPacer } from '../../src/eb/pacer.js';
import { BUDGET_FLOOR_MS, DescribeBudget, FLOOR_MAX_GAP_MS } from '../../src/aws/describe-budget.js';
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
const STABLE_MS = 45_000;

interface GateOptions {
  deadlineMs?: number;
  stableMs?: number;
  priorCalls?: number;
  priorMs?: number;
  /** Share of describe calls answered "Rate exceeded" (a seeded sequence). */
  throttle?: number;
}

async function gate(clock: FakeClock, script: (ms: number) => ScriptedState, o: GateOptions = {}) {
  const { deadlineMs = 20 * 60_000, stableMs = STABLE_MS, priorCalls = 0, priorMs = 0 } = o;
  const budget = new DescribeBudget(clock);
  budget.record(priorCalls);
  clock.t += priorMs;
  const scripted = scriptedEb(clock, script, budget);
  const { calls } = scripted;
  let eb = scripted.eb;
  if (o.throttle) {
    let seed = 7;
    const next = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const inner = scripted.eb;
    eb = {
      send: (cmd: object) => {
        if (next() < (o.throttle ?? 0)) {
          budget.record();
          return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
        }
        return inner.send(cmd as never);
      },
    } as typeof inner;
  }
  const log = new MemoryLogger();
  const deadline = Deadline.after(clock, deadlineMs, 'deploy-timeout');
  let jitter = 11;
  // Seeded backoff jitter: the throttled runs are the same every time.
  const retry = { clock, log, deadline, random: () => ((jitter = (jitter * 48271) % 2147483647) / 2147483647) };
  const run: GateRun = {
    target,
    expectation: { label: 'v2', minHealth: 'ok', healthUrlExpectVersion: false, checkHealthUrl: false },
    rules: { healthyChecks: 3, stableMs, settleTimeoutMs: 120_000, unhealthyGraceMs: 0 },
    healthUrl: undefined,
    updateUnderway: true,
    requestId: 'r-1',
    startedAt: clock.now(),
    deadline,
  };
  const result = await runGate({ eb, budget }, run, retry, new EventStreamer(eb, target, retry, log));
  // When the gate first saw the release healthy (the stability window's start).
  const holdingAt = calls.find((c, i) => c.name === 'DescribeInstancesHealthCommand' && calls[i - 1]?.at === c.at)?.at;
  return { result, calls, log, budget, holdingAt };
}

describe('the gate loop, on a fake clock', () => {
  const severe = (label: string): ScriptedState => ({
    env: { Status: 'Ready', VersionLabel: label, Health: 'Red', HealthStatus: 'Severe' },
    instances: [{ InstanceId: 'i-1', HealthStatus: 'Severe', Color: 'Red', Deployment: { VersionLabel: label } }],
  });

  it('polls every second while EB updates (the first 20 s saved for their end), then holds health for the 45 s window', async () => {
    const clock = new FakeClock();
    const t0 = clock.t;
    const { result, log, calls } = await gate(clock, (ms) => (ms < 40_000 ? updating : green('v2')));
    expect(result.passed).toBe(true);
    expect(result.wentLive).toBe(true);
    // Healthy seen within 2 s of Green (40 s); the gate passes 45 s later, plus at most a poll.
    expect(result.seconds).toBeGreaterThanOrEqual(40 + STABLE_MS / 1000);
    expect(result.seconds).toBeLessThanOrEqual(40 + 2 + STABLE_MS / 1000 + 1);
    expect(log.text()).toMatch(/healthy: Ready on "v2", health Ok \(Green\); holding for 45 s[\s\S]*gate passed: "v2" held Ok \(Green\) for 4\d\.\d s over \d+ checks and [5-6] EB health reports/);
    const polls = calls.filter((c) => c.name === 'DescribeEnvironmentsCommand' && c.at - t0 < 40_000).map((c) => c.at - t0);
    expect(polls.length).toBeGreaterThanOrEqual(30);
    polls.forEach((at, i) => expect(at - (polls[i - 1] ?? 0)).toBeLessThanOrEqual(FLOOR_MAX_GAP_MS));
    polls.filter((at) => at >= 12_000).forEach((at, i, late) => expect(at - (late[i - 1] ?? at - 1000)).toBe(1000));
    expect(calls.filter((c) => c.at - t0 < 40_000 && c.name === 'DescribeInstancesHealthCommand')).toEqual([]);
    // In the window: a check every second (the health URL's cadence), the instances every 5 s.
    const window = calls.filter((c) => c.at - t0 >= 40_000);
    const envPolls = window.filter((c) => c.name === 'DescribeEnvironmentsCommand');
    expect(envPolls.length).toBeGreaterThanOrEqual(30);
    envPolls.forEach((c, i) => expect(c.at - (envPolls[i - 1]?.at ?? c.at)).toBeLessThanOrEqual(3000));
    const instanceReads = window.filter((c) => c.name === 'DescribeInstancesHealthCommand').map((c) => c.at);
    expect(instanceReads.length).toBeGreaterThanOrEqual(9);
    instanceReads.forEach((at, i) => expect(at - (instanceReads[i - 1] ?? at)).toBeLessThanOrEqual(INSTANCES_EVERY_MS + 1000));
  });

  it('over a 5-minute update: ≤ 1 describe call/s on average (calls before the gate included), healthy seen within 2 s of Green, exit = Green + window + ≤ 2 s', async () => {
    const priorCalls = 6;
    const seen: number[] = [];
    const exits: number[] = [];
    for (let k = 0; k < 20; k++) {
      const greenAtMs = 300_000 + k * 100;
      const clock = new FakeClock();
      const t0 = clock.t;
      const { result, budget, calls, holdingAt } = await gate(clock, (ms) => (ms < greenAtMs ? updating : green('v2')), { priorCalls });
      expect(result.passed).toBe(true);
      seen.push(((holdingAt ?? 0) - t0 - greenAtMs) / 1000);
      exits.push(result.seconds - greenAtMs / 1000);
      expect(budget.calls).toBe(priorCalls + calls.length);
      expect(budget.calls / result.seconds).toBeLessThanOrEqual(1);
      for (const c of calls) expect(calls.filter((d) => d.at >= c.at && d.at < c.at + 10_000).length).toBeLessThanOrEqual(15);
    }
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(Math.min(...exits)).toBeGreaterThanOrEqual(STABLE_MS / 1000);
    expect(Math.max(...exits)).toBeLessThanOrEqual(STABLE_MS / 1000 + 2 + 1);
  });

  it("the preflight's calls count (12 describe calls in the run's first 1.5 s spend the first 20 s's burst): a short update is still seen within 2 s of Green, exit = Green + window + ≤ 3 s, ≤ 1 call/s over the whole run", async () => {
    const priorCalls = 12;
    const priorMs = 1500;
    for (const greenAtMs of [16_000, 18_000, 20_000, 25_000, 40_000]) {
      const clock = new FakeClock();
      const gateStart = clock.t + priorMs;
      const { result, budget, holdingAt } = await gate(clock, (ms) => (ms < greenAtMs ? updating : green('v2')), { priorCalls, priorMs });
      expect(result.passed).toBe(true);
      expect((holdingAt ?? 0) - gateStart - greenAtMs).toBeLessThanOrEqual(2000);
      expect(result.seconds - greenAtMs / 1000).toBeLessThanOrEqual(STABLE_MS / 1000 + 3);
      expect(budget.use().perSecond).toBeLessThanOrEqual(1);
      expect(budget.use().seconds).toBeCloseTo(result.seconds + priorMs / 1000, 3);
    }
  });

  it('a late crash (Severe 25 s after Green) fails the gate within a poll of EB showing it; the release went live', async () => {
    const clock = new FakeClock();
    const { result } = await gate(clock, (ms) => (ms < 30_000 ? updating : ms < 55_000 ? green('v2') : severe('v2')));
    expect(result.passed).toBe(false);
    expect(result.wentLive).toBe(true);
    expect(result.reason).toMatch(/health did not hold: health is Severe \(Red\)/);
    expect(result.seconds).toBeGreaterThanOrEqual(55);
    expect(result.seconds).toBeLessThanOrEqual(57);
  });

  it('fast failure: Severe as soon as the update finishes fails at the second health report (≤ 2 EB health intervals), not a grace later', async () => {
    const clock = new FakeClock();
    const { result } = await gate(clock, (ms) => (ms < 30_000 ? updating : severe('v2')));
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/^unhealthy in 2 consecutive EB health reports after the update finished: health is Severe/);
    // Reports at 30 s and 40 s (the fake refreshes every 10 s): failed by 42 s.
    expect(result.seconds).toBeGreaterThanOrEqual(40);
    expect(result.seconds).toBeLessThanOrEqual(42);
  });

  it('30 % of describe calls throttled (each retried after 0.5–1.5 s, then longer): the gate still polls through the window and exits within Green + window + 10 s, ≤ 1 call/s', async () => {
    const exits: number[] = [];
    for (let k = 0; k < 10; k++) {
      const clock = new FakeClock();
      const greenAt = 60 + k * 0.3;
      const { result, budget } = await gate(clock, (ms) => (ms < greenAt * 1000 ? updating : green('v2')), { throttle: 0.3, priorCalls: 10 });
      expect(result.passed).toBe(true);
      exits.push(result.seconds - greenAt);
      expect(budget.calls / result.seconds).toBeLessThanOrEqual(1.05);
    }
    expect(Math.min(...exits)).toBeGreaterThanOrEqual(STABLE_MS / 1000);
    expect(Math.max(...exits)).toBeLessThanOrEqual(STABLE_MS / 1000 + 10);
  });

  it('after a long wait on a busy environment (few calls over minutes), the window polls every second', async () => {
    const clock = new FakeClock();
    const { result, calls } = await gate(clock, (ms) => (ms < 20_000 ? updating : green('v2')), { priorCalls: 30, priorMs: 180_000 });
    expect(result.passed).toBe(true);
    expect(result.seconds - 20).toBeLessThanOrEqual(STABLE_MS / 1000 + 2);
    const envPolls = calls.filter((c) => c.name === 'DescribeEnvironmentsCommand').map((c) => c.at);
    expect(envPolls.slice(-40).every((at, i, a) => i === 0 || at - (a[i - 1] ?? 0) === POLL_MS)).toBe(true);
  });

  describe('another actor\'s update while gating (events by RequestId)', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const event = (ms: number, requestId: string, message: string) => ({ EventDate: new Date(t0 + ms), RequestId: requestId, Message: message, Severity: 'INFO' as const });
    const ours = event(500, 'r-1', 'Environment update is starting.');
    const theirs = event(20_000, 'r-2', 'Environment update is starting.');
    const onV3: ScriptedState = { ...green('v3'), events: [theirs, ours] };

    it('is superseded by the label it leaves running: no verdict of ours, no "EB rolled back itself"', async () => {
      const clock = new FakeClock(t0);
      const { result, log } = await gate(clock, (ms) =>
        ms < 10_000 ? { ...updating, events: [ours] } : ms < 20_000 ? { ...green('v2'), events: [ours] } : ms < 30_000 ? { ...updating, env: { ...updating.env, VersionLabel: 'v2' }, events: [theirs, ours] } : onV3,
      );
      expect(result.passed).toBe(false);
      expect(result.superseded).toEqual({ label: 'v3', requestId: 'r-2' });
      expect(result.reason).toMatch(/^superseded by "v3": another update of the environment \(request r-2\) replaced "v2"/);
      expect(result.reason).not.toMatch(/rolled the deploy back itself/);
      expect(log.text()).toMatch(/another operation \(request r-2\) started on "dev-env" while this run was gating "v2"; waiting to see what it leaves running \(this run will not roll it back\)/);
      expect(result.seconds).toBeGreaterThanOrEqual(30);
      expect(result.seconds).toBeLessThanOrEqual(33);
    });

    it('a settings-only update that leaves our version running: the window starts again', async () => {
      const clock = new FakeClock(t0);
      const { result, log } = await gate(clock, (ms) =>
        ms < 10_000 ? { ...updating, events: [ours] } : ms < 20_000 ? { ...green('v2'), events: [ours] } : ms < 25_000 ? { ...updating, env: { ...updating.env, VersionLabel: 'v2' }, events: [theirs, ours] } : { ...green('v2'), events: [theirs, ours] },
      );
      expect(result.passed).toBe(true);
      expect(log.text()).toMatch(/another operation \(request r-2\) changed "dev-env" and left "v2" running; gating it again/);
      expect(result.seconds).toBeGreaterThanOrEqual(25 + STABLE_MS / 1000);
    });
  });

  it('stops at the deadline when the update never finishes: a verdict, never a hang', async () => {
    const clock = new FakeClock();
    const { result, calls } = await gate(clock, () => updating, { deadlineMs: 5 * 60_000 });
    expect(result.passed).toBe(false);
    expect(result.wentLive).toBe(false);
    expect(result.reason).toMatch(/deadline \(deploy-timeout\) passed: status is Updating/);
    expect(result.seconds).toBeGreaterThanOrEqual(300);
    expect(result.seconds).toBeLessThanOrEqual(300 + 1);
    expect(calls.length / result.seconds).toBeLessThanOrEqual(1);
  });

  it('says enhanced health is off and gates on the colour, timing the window, when DescribeInstancesHealth is refused', async () => {
    const clock = new FakeClock();
    const { result, log } = await gate(clock, (ms) =>
      ms < 5000 ? updating : { env: { Status: 'Ready', VersionLabel: 'v2', Health: 'Green' }, instances: 'not-enhanced' },
    );
    expect(result.passed).toBe(true);
    expect(result.seconds).toBeGreaterThanOrEqual(5 + STABLE_MS / 1000);
    expect(log.text()).toMatch(/enhanced health is off for "dev-env": gating on Status, VersionLabel and the Health color/);
  });

  it('fails as soon as EB is Ready again on the previous version (its own rollback): never live', async () => {
    const clock = new FakeClock();
    const { result } = await gate(clock, (ms) => (ms < 20_000 ? updating : green('v1')));
    expect(result.passed).toBe(false);
    expect(result.wentLive).toBe(false);
    expect(result.reason).toMatch(/finished the update on "v1" instead of "v2"/);
    expect(result.seconds).toBeLessThanOrEqual(22);
  });

  it('never passes while instances run mixed versions (Rolling), and the window starts once they agree', async () => {
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
    expect(result.seconds).toBeGreaterThanOrEqual(30 + STABLE_MS / 1000);
    expect(log.text()).toMatch(/instance i-2 runs "v1"/);
  });
});

describe('PollPacer and the describe budget', () => {
  it('spreads the first 20 s, then waits 1 s between polls while the budget allows, longer once it is spent, keeping the first on-label check in reserve', () => {
    const clock = new FakeClock();
    const budget = new DescribeBudget(clock);
    const pacer = new PollPacer(clock, budget);
    // In the first 20 s (no EB update is shorter) their 20 calls are saved for the end: 20 - 3 in
    // reserve = 17, the 16 after this poll 1 s apart over the last 16 s, so this one waits 4 s.
    expect(pacer.nextDelay(false, 1)).toBe(4000);
    clock.t += 3_000;
    expect(pacer.nextDelay(false, 1)).toBe(1000);
    clock.t -= 3_000;
    clock.t += BUDGET_FLOOR_MS;
    budget.record(15);
    // After 20 s: 1 s while the budget allows (15 used + 1 next + 3 in reserve ≤ 20)...
    expect(pacer.nextDelay(false, 1)).toBe(POLL_MS);
    budget.record(4);
    // ...then as the budget allows: 19 + 1 + 3 = 23 calls at 23 s, 3 s from now.
    expect(pacer.nextDelay(false, 1)).toBe(3000);
    // On our label the reserve is spent: 19 + 1 = 20 ≤ 20.
    expect(pacer.nextDelay(true, 1)).toBe(POLL_MS);
    expect(pacer.nextDelay(true, 2)).toBe(1000);
    // A gate's first check keeps no reserve either.
    budget.record(3);
    // 22 used + 2 next = 24 calls: 24 s after the start, but the budget holds a check 3 s at most.
    expect(pacer.firstDelay(2)).toBe(MAX_HOLD_MS);
    // Overspent by far (a throttled phase's retries): still a check every 3 s, never blind.
    budget.record(100);
    expect(pacer.nextDelay(true, 2)).toBe(MAX_HOLD_MS);
    expect(pacer.nextDelay(false, 1)).toBe(MAX_HOLD_MS);
    expect(FIRST_ON_LABEL_CALLS).toBe(3);
  });

  it('reads events on a change at once, otherwise every 10 s', () => {
    const clock = new FakeClock();
    const pacer = new PollPacer(clock, new DescribeBudget(clock));
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
    const budget = new DescribeBudget(clock);
    const pacer = new PollPacer(clock, budget);
    pacer.eventsRead();
    budget.record(BUDGET_FLOOR_MS / 1000 - FIRST_ON_LABEL_CALLS);
    clock.t += 10_000;
    expect(pacer.eventsDue(false)).toBe(false);
    expect(pacer.eventsDue(true)).toBe(true);
    clock.t += 20_000;
    expect(pacer.eventsDue(false)).toBe(true);
  });
});
