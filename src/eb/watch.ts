// The gate loop: observe the environment (and the health URL), stream events, feed the
// GateTracker, pace the calls, and stop at a verdict or at the deadline — never later.
import type { Deadline } from '../engine/clock.js';
import { describeEnvironment, type EbTarget } from './environment.js';
import { distinctErrors, type EventStreamer } from './events.js';
import { GateTracker, describeHealth, type GateExpectation, type GateRules, type Observation } from './gate.js';
import { readInstancesHealth, type InstancesHealth } from './instances-health.js';
import { INSTANCES_EVERY_MS, PollPacer } from './pacer.js';
import { formatDescribeUse, type MeteredEb } from '../aws/describe-budget.js';
import type { RetryContext } from '../aws/retry.js';
import { errorMessage } from '../config/errors.js';

export interface GateResult {
  passed: boolean;
  reason: string;
  /** The environment was seen Ready on the new label: the release went live (and served). */
  wentLive: boolean;
  /** Another actor's operation took the environment over while gating: no verdict is ours to give. */
  superseded?: { label: string | undefined; requestId: string } | undefined;
  last: Observation | undefined;
  seconds: number;
}

export interface GateRun {
  target: EbTarget;
  expectation: GateExpectation;
  rules: GateRules;
  healthUrl: string | undefined;
  updateUnderway: boolean;
  /** The RequestId of this run's UpdateEnvironment (undefined when it made none). */
  requestId: string | undefined;
  startedAt: number;
  deadline: Deadline;
}

async function checkUrl(url: string): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { 'cache-control': 'no-cache' } });
    const body = (await res.text()).slice(0, 4096);
    return { status: res.status, body };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

class Observer {
  enhanced: boolean | undefined;
  /** When the instances were last read (our clock). */
  instancesAt = Number.NEGATIVE_INFINITY;
  private lastKey: string | undefined;
  private lastHealth: string | undefined;
  onLabel = false;
  // Errors of an earlier update (the failed deploy, when this gate checks its rollback) don't count.
  private readonly firstEvent: number;
  constructor(
    private readonly client: MeteredEb,
    private readonly run: GateRun,
    private readonly retry: RetryContext,
    private readonly events: EventStreamer,
  ) {
    this.firstEvent = events.events.length;
  }

  private async instances(): Promise<InstancesHealth | undefined> {
    if (this.enhanced === false) return undefined;
    const read = await readInstancesHealth(this.client.eb, this.run.target.environmentName, this.retry);
    this.enhanced = read !== undefined;
    if (read) this.instancesAt = this.retry.clock.now();
    else
      this.retry.log.info(
        `enhanced health is off for "${this.run.target.environmentName}": gating on Status, VersionLabel and the Health color only (no per-instance versions, no health report times: the window is timed only)`,
      );
    return read;
  }

  /**
   * One check: a DescribeEnvironments (plus events when its status or version changed, or they are
   * due); once it is Ready on our label, the health URL on every check and every instance's state
   * when `instancesWanted` or health changed (their answer carries the report's RefreshedAt).
   */
  async observe(pacer: PollPacer, instancesWanted: boolean): Promise<Observation> {
    const env = await describeEnvironment(this.client.eb, this.run.target, this.retry);
    const key = `${env.Status}|${env.VersionLabel}`;
    const onLabel = env.Status === 'Ready' && env.VersionLabel === this.run.expectation.label;
    // The first check has nothing to compare with: the events read just before (the baseline) serve,
    // unless it already finds EB Ready (the update's errors decide the verdict).
    if (pacer.eventsDue(this.lastKey === undefined ? env.Status === 'Ready' : key !== this.lastKey)) {
      await this.events.poll();
      pacer.eventsRead();
    }
    const health = `${env.HealthStatus}|${env.Health}`;
    const read = onLabel && (instancesWanted || !this.onLabel || health !== this.lastHealth) ? await this.instances() : undefined;
    this.lastKey = key;
    this.lastHealth = health;
    this.onLabel = onLabel;
    const foreign = this.events.foreignAfter(this.run.requestId, this.firstEvent);
    return {
      at: this.retry.clock.now(),
      status: env.Status ?? 'Unknown',
      versionLabel: env.VersionLabel,
      health: env.Health,
      healthStatus: env.HealthStatus,
      instances: onLabel ? read?.instances : this.enhanced === false ? undefined : [],
      healthUrl: onLabel && this.run.healthUrl ? await checkUrl(this.run.healthUrl) : undefined,
      errorEvents: distinctErrors(this.events.errors(this.firstEvent).map((e) => e.message)),
      fullCheck: onLabel && (read !== undefined || this.enhanced === false),
      enhanced: this.enhanced,
      reportAt: read?.refreshedAt,
      foreignUpdate: foreign?.requestId ? { requestId: foreign.requestId } : undefined,
    };
  }

  /** Treat another actor's operation as settled (it left our label running): gate afresh. */
  acknowledge(requestId: string): void {
    this.events.ownRequests.add(requestId);
  }

  /**
   * Describe calls the next check may make: on our label the instances are counted always (a
   * change of health or the window's end may call for them after the pause), so the budget holds.
   */
  nextCalls(pacer: PollPacer): number {
    return 1 + (this.onLabel && this.enhanced !== false ? 1 : 0) + (pacer.eventsDue(false) ? 1 : 0);
  }
}

/** Gates one update of `run.target`, its calls paced on the budget that meters `client.eb`. */
export async function runGate(client: MeteredEb, run: GateRun, retry: RetryContext, events: EventStreamer): Promise<GateResult> {
  const { clock, log } = retry;
  const tracker = new GateTracker(run.expectation, run.rules, run.updateUnderway);
  const pacer = new PollPacer(clock, client.budget, events.readAt);
  const observer = new Observer(client, run, retry, events);
  let last: Observation | undefined;
  let lastReasons = '';
  let supersededSaid = false;
  const result = (passed: boolean, reason: string, superseded?: GateResult['superseded']): GateResult => ({
    passed,
    reason,
    wentLive: tracker.wentLive,
    superseded,
    last,
    seconds: (clock.now() - run.startedAt) / 1000,
  });
  // Outside the window every on-label check reads the instances; inside it every 5 s, and at its end.
  const instancesWanted = (): boolean => {
    const end = tracker.windowEndsAt();
    const now = clock.now();
    return end === undefined || now >= end || now - observer.instancesAt >= INSTANCES_EVERY_MS;
  };
  await clock.sleep(Math.min(pacer.firstDelay(2), run.deadline.remaining()));
  for (;;) {
    last = await observer.observe(pacer, instancesWanted());
    const state = tracker.observe(last);
    if (state.kind === 'passed') {
      log.info(
        `gate passed: "${run.expectation.label}" held ${describeHealth(last)} for ${(state.heldMs / 1000).toFixed(1)} s over ${state.checks} checks and ` +
          `${state.reports} EB health reports (${((clock.now() - run.startedAt) / 1000).toFixed(1)} s after the update started; the run so far: ${formatDescribeUse(client.budget.use())})`,
      );
      return result(true, 'healthy');
    }
    if (state.kind === 'failed') return result(false, state.reason);
    if (state.kind === 'superseded') {
      if (state.label !== undefined) return result(false, state.reason, { label: state.label, requestId: state.requestId });
      if (last.status === 'Ready' && last.versionLabel === run.expectation.label) {
        // The other operation changed settings only and left our version running: gate it afresh.
        log.info(`another operation (request ${state.requestId}) changed "${run.target.environmentName}" and left "${run.expectation.label}" running; gating it again`);
        observer.acknowledge(state.requestId);
      } else if (!supersededSaid) {
        log.warning(`another operation (request ${state.requestId}) started on "${run.target.environmentName}" while this run was gating "${run.expectation.label}"; waiting to see what it leaves running (this run will not roll it back)`);
        supersededSaid = true;
      }
      if (run.deadline.passed()) return result(false, `${state.reason}; it was still ${last.status} at ${run.deadline.what}`, { label: undefined, requestId: state.requestId });
    } else if (state.kind === 'holding') {
      if (state.checks === 1)
        log.info(`healthy: Ready on "${run.expectation.label}", health ${describeHealth(last)}; holding for ${run.rules.stableMs / 1000} s (stability window) and two EB health reports`);
      lastReasons = '';
    } else {
      const reasons = state.reasons.join('; ');
      if (reasons !== lastReasons) log.info(`waiting: ${reasons}`);
      lastReasons = reasons;
    }
    if (run.deadline.passed()) return result(false, `deadline (${run.deadline.what}) passed: ${lastReasons || 'the stability window had not ended'}`);
    await clock.sleep(Math.min(pacer.nextDelay(observer.onLabel, observer.nextCalls(pacer)), run.deadline.remaining()));
  }
}
