// When the gate makes its next check. While EB is still updating, a cheap poll (one
// DescribeEnvironments) every second — as often as the describe budget allows — so Green is seen
// within about a second; events only when that poll shows a change or every 10–30 s; the fuller checks
// (every instance's deployment, the health URL) only once the environment is Ready on our label.
// Confirmation checks follow 0.4 s apart and spend the calls the waiting polls kept in reserve.
import type { Clock } from '../engine/clock.js';
import type { DescribeMeter } from '../aws/describe-meter.js';

export const WAIT_POLL_MS = 1000;
export const CONFIRM_POLL_MS = 400;
export const EVENTS_EVERY_MS = 10_000;
export const EVENTS_LATEST_MS = 30_000;

/**
 * Calls the confirmation of `healthyChecks` passes takes beyond the first passing poll's
 * DescribeEnvironments: its instances and the events read at the change to Ready, then one call
 * per check in between (the environment only) and two for the last (environment and instances).
 */
export function confirmationCalls(healthyChecks: number): number {
  return healthyChecks <= 1 ? 2 : healthyChecks + 2;
}

/**
 * Whether confirmation check number `passed + 1` also reads every instance: the first and the last
 * do, so the gate passes only on a check that saw every instance on the new label and healthy;
 * the ones in between re-check the environment's Status, VersionLabel and health with one call.
 */
export function fullCheck(passed: number, healthyChecks: number): boolean {
  return passed === 0 || passed >= healthyChecks - 1;
}

export class PollPacer {
  constructor(
    private readonly clock: Clock,
    private readonly meter: DescribeMeter,
    private readonly healthyChecks: number,
    /** When the events were last read (the baseline before the update counts). */
    private eventsAt = Number.NEGATIVE_INFINITY,
  ) {}

  /**
   * Whether this poll should also read EB's events: when the environment's status or version
   * changed (a health colour changing mid-update says nothing the events must explain); else every EVENTS_EVERY_MS when
   * the budget has a call to spare, and at the latest every EVENTS_LATEST_MS (an extra call when
   * the budget is tight would leave a 2 s hole in the polls, just when Green may come).
   */
  eventsDue(changed: boolean): boolean {
    const since = this.clock.now() - this.eventsAt;
    if (changed || since >= EVENTS_LATEST_MS) return true;
    return since >= EVENTS_EVERY_MS && this.meter.delayFor(1, confirmationCalls(this.healthyChecks)) === 0;
  }

  eventsRead(): void {
    this.eventsAt = this.clock.now();
  }

  /**
   * Delay before the next check, which will make `nextCalls` describe calls. Confirming (the last
   * check passed): 0.4 s — its calls were kept in reserve while waiting. Waiting: 1 s at least, late
   * enough that the confirmation's calls stay in reserve within the budget, and in the first 20 s
   * saving calls for the end of them (see DescribeMeter.spreadDelay).
   */
  nextDelay(confirming: boolean, nextCalls: number): number {
    if (confirming) return CONFIRM_POLL_MS;
    const reserve = confirmationCalls(this.healthyChecks);
    return Math.max(WAIT_POLL_MS, this.meter.delayFor(nextCalls, reserve), this.meter.spreadDelay(nextCalls, reserve));
  }

  /**
   * Delay before a gate's first check: within the budget but without the reserve, so the gate of a
   * rollback that follows a failed gate (whose reserve went unspent) is not held back.
   */
  firstDelay(nextCalls: number): number {
    return Math.max(WAIT_POLL_MS, this.meter.delayFor(nextCalls));
  }
}
