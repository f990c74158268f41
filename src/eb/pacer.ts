// When the gate makes its next check. While EB is still updating, a cheap poll (one
// DescribeEnvironments) every second — as often as the describe budget allows — so Green is seen
// within about a second; events only when that poll shows a change or every 10–30 s; the fuller checks
// (every instance's deployment, the health URL) only once the environment is Ready on our label.
// Confirmation checks follow 0.5 s apart and spend the calls the waiting polls kept in reserve.
import type { Clock } from '../engine/clock.js';
import type { DescribeMeter } from '../aws/describe-meter.js';

export const WAIT_POLL_MS = 1000;
export const CONFIRM_POLL_MS = 500;
export const EVENTS_EVERY_MS = 10_000;
export const EVENTS_LATEST_MS = 30_000;

/** Calls the confirmation of `healthyChecks` passes takes after the first: 2 each, plus events. */
export function confirmationCalls(healthyChecks: number): number {
  return 2 * Math.max(0, healthyChecks - 1) + 2;
}

export class PollPacer {
  private eventsAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly meter: DescribeMeter,
    private readonly healthyChecks: number,
  ) {}

  /**
   * Whether this poll should also read EB's events: on any change; else every EVENTS_EVERY_MS when
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
   * check passed): 0.5 s — its calls were kept in reserve while waiting. Waiting: 1 s at least, late
   * enough that the confirmation's calls stay in reserve within the budget, and in the first 20 s
   * spread over them.
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
