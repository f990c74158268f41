// When the gate makes its next check. While EB is still updating, a cheap poll (one
// DescribeEnvironments) every second — as often as the describe budget allows — so the end of the
// update is seen within about a second; events only when that poll shows a change or every 10–30 s.
// Once the environment is Ready on our label, a check every second as far as the budget allows
// (the health URL on each), every instance's state and EB's health report every 5 s and whenever
// health changed — the stability window lasts tens of seconds, so the waiting polls keep in reserve
// only the calls of its first check.
import type { Clock } from '../engine/clock.js';
import type { DescribeBudget } from '../aws/describe-budget.js';

export const POLL_MS = 1000;
export const EVENTS_EVERY_MS = 10_000;
export const EVENTS_LATEST_MS = 30_000;
/** Inside the stability window, the instances (and EB's RefreshedAt) are read this often (reports come every 10 s). */
export const INSTANCES_EVERY_MS = 5000;

/**
 * The longest the budget may hold a check back. When calls made before the gate (a throttled
 * phase's retries, a failed gate before a rollback's) spent more than the budget, the gate still
 * checks at least this often — at most 1–3 calls per 3 s, under the budget's own rate — instead
 * of going blind until the average recovers: the gate is never starved.
 */
export const MAX_HOLD_MS = 3000;

/** Calls of the first check on our label: the environment, the events (its status changed), every instance. */
export const FIRST_ON_LABEL_CALLS = 3;

export class PollPacer {
  constructor(
    private readonly clock: Clock,
    private readonly budget: DescribeBudget,
    /** When the events were last read (the baseline before the update counts). */
    private eventsAt = Number.NEGATIVE_INFINITY,
  ) {}

  /**
   * Whether this poll should also read EB's events: when the environment's status or version
   * changed (a health colour changing mid-update says nothing the events must explain); else every
   * EVENTS_EVERY_MS when the budget has a call to spare, and at the latest every EVENTS_LATEST_MS
   * (another actor's update during the window shows as a status change, so it is read at once).
   */
  eventsDue(changed: boolean): boolean {
    const since = this.clock.now() - this.eventsAt;
    if (changed || since >= EVENTS_LATEST_MS) return true;
    return since >= EVENTS_EVERY_MS && this.budget.delayFor(1, FIRST_ON_LABEL_CALLS) === 0;
  }

  eventsRead(): void {
    this.eventsAt = this.clock.now();
  }

  /**
   * Delay before the next check, which will make `nextCalls` describe calls. On our label (settling
   * or holding): 1 s, or later when the budget says so. Waiting for the update: 1 s at least, late
   * enough that the first on-label check's calls stay in reserve, and in the first 20 s saving calls
   * for the end of them (see DescribeBudget.spreadDelay). The budget holds a check back MAX_HOLD_MS
   * at the most.
   */
  nextDelay(onLabel: boolean, nextCalls: number): number {
    if (onLabel) return Math.max(POLL_MS, Math.min(MAX_HOLD_MS, this.budget.delayFor(nextCalls)));
    const spread = this.budget.spreadDelay(nextCalls, FIRST_ON_LABEL_CALLS);
    return Math.max(POLL_MS, Math.min(MAX_HOLD_MS, this.budget.delayFor(nextCalls, FIRST_ON_LABEL_CALLS)), spread);
  }

  /**
   * Delay before a gate's first check: within the budget but without the reserve, so the gate of a
   * rollback that follows a failed gate is not held back.
   */
  firstDelay(nextCalls: number): number {
    return Math.max(POLL_MS, Math.min(MAX_HOLD_MS, this.budget.delayFor(nextCalls)));
  }
}
