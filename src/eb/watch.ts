// The gate loop: observe the environment (and the health URL), stream events, feed the
// GateTracker, pace the calls, and stop at a verdict or at the deadline — never later.
import { DescribeInstancesHealthCommand, type ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { Deadline } from '../engine/clock.js';
import { describeEnvironment, type EbTarget } from './environment.js';
import type { EventStreamer } from './events.js';
import { GateTracker, describeHealth, type GateExpectation, type GateRules, type InstanceState, type Observation } from './gate.js';
import { PollPacer, fullCheck } from './pacer.js';
import { meterFor } from '../aws/describe-meter.js';
import { errorName, withRetries, type RetryContext } from '../aws/retry.js';
import { errorMessage } from '../config/errors.js';

export interface GateResult {
  passed: boolean;
  reason: string;
  last: Observation | undefined;
  describeCalls: number;
  seconds: number;
}

export interface GateRun {
  target: EbTarget;
  expectation: GateExpectation;
  rules: GateRules;
  healthUrl: string | undefined;
  updateUnderway: boolean;
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
  calls = 0;
  private lastKey: string | undefined;
  private onLabel = false;
  // Errors of an earlier update (the failed deploy, when this gate checks its rollback) don't count.
  private readonly firstEvent: number;
  constructor(
    private readonly eb: ElasticBeanstalkClient,
    private readonly run: GateRun,
    private readonly retry: RetryContext,
    private readonly events: EventStreamer,
  ) {
    this.firstEvent = events.events.length;
  }

  private async instances(): Promise<InstanceState[] | undefined> {
    if (this.enhanced === false) return undefined;
    try {
      this.calls += 1;
      const res = await withRetries('DescribeInstancesHealth', this.retry, () =>
        this.eb.send(
          new DescribeInstancesHealthCommand({
            EnvironmentName: this.run.target.environmentName,
            AttributeNames: ['HealthStatus', 'Color', 'Deployment', 'Causes'],
          }),
        ),
      );
      this.enhanced = true;
      return (res.InstanceHealthList ?? []).map((i) => ({
        id: i.InstanceId ?? '?',
        healthStatus: i.HealthStatus,
        color: i.Color,
        versionLabel: i.Deployment?.VersionLabel,
      }));
    } catch (err) {
      if (errorName(err) !== 'InvalidRequestException') throw err;
      this.enhanced = false;
      this.retry.log.info(
        `enhanced health is off for "${this.run.target.environmentName}": gating on Status, VersionLabel and the Health color only (per-instance versions are not available)`,
      );
      return undefined;
    }
  }

  /**
   * One check. While EB is busy that is a single DescribeEnvironments (plus events when its status
   * or version changed, or they are due); once it is Ready on our label, every instance's
   * deployment too (unless `full` is false: a confirmation check between the first and the last)
   * and the health URL on every check.
   */
  async observe(pacer: PollPacer, full: boolean): Promise<Observation> {
    this.calls += 1;
    const env = await describeEnvironment(this.eb, this.run.target, this.retry);
    const key = `${env.Status}|${env.VersionLabel}`;
    const onLabel = env.Status === 'Ready' && env.VersionLabel === this.run.expectation.label;
    // The first check has nothing to compare with: the events read just before (the baseline) serve,
    // unless it already finds EB Ready (the update's errors decide the verdict).
    if (pacer.eventsDue(this.lastKey === undefined ? env.Status === 'Ready' : key !== this.lastKey)) {
      this.calls += 1;
      await this.events.poll();
      pacer.eventsRead();
    }
    this.lastKey = key;
    this.onLabel = onLabel;
    // Instance and URL checks only matter once the update has finished on our label.
    const instances = onLabel && full ? await this.instances() : undefined;
    return {
      at: this.retry.clock.now(),
      status: env.Status ?? 'Unknown',
      versionLabel: env.VersionLabel,
      health: env.Health,
      healthStatus: env.HealthStatus,
      instances: onLabel ? instances : this.enhanced === false ? undefined : [],
      healthUrl: onLabel && this.run.healthUrl ? await checkUrl(this.run.healthUrl) : undefined,
      errorEvents: this.events.errors(this.firstEvent).map((e) => e.message),
    };
  }

  /** Describe calls the next check will make, as far as can be known now. */
  nextCalls(pacer: PollPacer, full: boolean): number {
    return 1 + (this.onLabel && full && this.enhanced !== false ? 1 : 0) + (pacer.eventsDue(false) ? 1 : 0);
  }
}

export async function runGate(eb: ElasticBeanstalkClient, run: GateRun, retry: RetryContext, events: EventStreamer): Promise<GateResult> {
  const { clock, log } = retry;
  const tracker = new GateTracker(run.expectation, run.rules, run.updateUnderway);
  const pacer = new PollPacer(clock, meterFor(eb, clock), run.rules.healthyChecks, events.readAt);
  const observer = new Observer(eb, run, retry, events);
  let last: Observation | undefined;
  let lastReasons = '';
  const result = (passed: boolean, reason: string): GateResult => ({
    passed,
    reason,
    last,
    describeCalls: observer.calls,
    seconds: (clock.now() - run.startedAt) / 1000,
  });
  await clock.sleep(Math.min(pacer.firstDelay(2), run.deadline.remaining()));
  let passedChecks = 0;
  for (;;) {
    last = await observer.observe(pacer, fullCheck(passedChecks, run.rules.healthyChecks));
    const state = tracker.observe(last);
    if (state.kind === 'passed') {
      const seconds = (clock.now() - run.startedAt) / 1000;
      log.info(
        `gate passed: Ready on "${run.expectation.label}", health ${describeHealth(last)}, ${run.rules.healthyChecks} consecutive checks ` +
          `(${seconds.toFixed(1)} s after the update, ${observer.calls} describe calls)`,
      );
      return result(true, 'healthy');
    }
    if (state.kind === 'failed') return result(false, state.reason);
    const reasons = state.reasons.join('; ');
    if (state.consecutive > 0) log.info(`check ${state.consecutive}/${run.rules.healthyChecks} passed`);
    else if (reasons !== lastReasons) log.info(`waiting: ${reasons}`);
    lastReasons = reasons;
    passedChecks = state.consecutive;
    if (run.deadline.passed()) return result(false, `deadline (${run.deadline.what}) passed: ${reasons}`);
    await clock.sleep(Math.min(pacer.nextDelay(state.consecutive > 0, observer.nextCalls(pacer, fullCheck(passedChecks, run.rules.healthyChecks))), run.deadline.remaining()));
  }
}
