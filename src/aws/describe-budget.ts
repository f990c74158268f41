// One count of the EB describe calls a run makes, so every polling loop (version processing,
// the gate, a rollback's gate) shares one budget: describe calls ≤ 1/s on average over the whole
// run, the calls made before the polling (the preflight's included) counted. The budget is built
// on the run's clock with the clients (src/aws/clients.ts) and passed with them (EngineDeps.budget);
// the count is taken on the client itself (a middleware per attempt on the wire), so no call —
// nor an SDK retry — escapes it, and the run report reads the same count.
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { Clock } from '../engine/clock.js';

/** Average describe calls per second over a run that the pollers stay within. */
export const DESCRIBE_CALLS_PER_SECOND = 1;
/**
 * Every real EB update takes longer than this (EB's deploy command alone takes about 15 s), so the
 * first calls of a run may come quickly (the preflight's reads spend some of them): the average is
 * only ever taken over at least this long.
 */
export const BUDGET_FLOOR_MS = 20_000;

/** The longest a poller stays blind early in the floor, while it saves calls for its end. */
export const FLOOR_MAX_GAP_MS = 5000;

/** What a run spent: its describe calls over its time so far. */
export interface DescribeUse {
  calls: number;
  seconds: number;
  /** calls / seconds (0 before any time has passed). */
  perSecond: number;
}

/** The use as the log, the summary and the bench read it: "27 describe calls in 31.2 s (0.87/s; budget ≤ 1/s)". */
export function formatDescribeUse(use: DescribeUse): string {
  return `${use.calls} describe calls in ${use.seconds.toFixed(1)} s (${use.perSecond.toFixed(2)}/s; budget ≤ ${DESCRIBE_CALLS_PER_SECOND}/s)`;
}

/** An EB client and the budget that meters it, passed together (EngineDeps is one). */
export interface MeteredEb {
  eb: ElasticBeanstalkClient;
  budget: DescribeBudget;
}

interface MiddlewareStackLike {
  add(mw: (next: (args: unknown) => Promise<unknown>, ctx: { commandName?: string }) => (args: unknown) => Promise<unknown>, opts: object): void;
}

export class DescribeBudget {
  calls = 0;
  readonly since: number;
  /** Pacing starts here: after the preflight's few reads (counted in the run's use, not paced against). */
  private paceSince: number;
  private paceBase = 0;
  constructor(private readonly clock: Clock) {
    this.since = clock.now();
    this.paceSince = this.since;
  }

  /**
   * The pollers' pacing starts afresh now; the calls so far still count in `use()`. Called once,
   * after the preflight: its handful of reads (more under throttling, every retry counts) would
   * otherwise eat the first 20 s's calls the gate needs (measured: a 30 %-throttled deploy exited
   * 20–30 s after Green instead of 14–16 s).
   */
  restartPacing(): void {
    this.paceSince = this.clock.now();
    this.paceBase = this.calls;
  }

  private get paced(): number {
    return this.calls - this.paceBase;
  }

  /**
   * Counts every describe call `eb` makes from now on: a middleware at finalizeRequest, low
   * priority, runs inside the SDK's retry middleware — once per attempt on the wire. A client
   * without a middleware stack (the scripted EB of the timing tests) calls `record` itself.
   */
  meter(eb: ElasticBeanstalkClient): void {
    const stack = (eb as { middlewareStack?: MiddlewareStackLike }).middlewareStack;
    stack?.add(
      (next, ctx) => (args) => {
        if (ctx.commandName?.startsWith('Describe')) this.record();
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'ebPipelineDescribeBudget' },
    );
  }

  record(calls = 1): void {
    this.calls += calls;
  }

  /** The whole run's use so far, as the report and the bench read it. */
  use(): DescribeUse {
    const seconds = (this.clock.now() - this.since) / 1000;
    return { calls: this.calls, seconds, perSecond: seconds > 0 ? this.calls / seconds : 0 };
  }

  /** Calls allowed in total by now: the rate times the time since pacing started (at least the floor). */
  allowed(): number {
    return (DESCRIBE_CALLS_PER_SECOND * Math.max(this.clock.now() - this.paceSince, BUDGET_FLOOR_MS)) / 1000;
  }

  /**
   * How long to wait before `next` more calls so that `reserve` calls stay available for later
   * (the gate keeps its confirmation checks' calls in reserve while it waits).
   */
  delayFor(next: number, reserve = 0): number {
    const needed = this.paced + next + reserve;
    if (needed <= this.allowed()) return 0;
    return Math.ceil(this.paceSince + (needed * 1000) / DESCRIBE_CALLS_PER_SECOND - this.clock.now());
  }

  /**
   * Before the floor has passed: how long to wait so that the calls left in it (`reserve` kept
   * aside) are spent where they matter. No EB update ends within seconds (its deploy command alone
   * takes about 15 s), so the calls are packed toward the end of the floor, `spacingMs` apart,
   * where a short update turns Green; earlier, a poll comes at least every `maxGapMs` so an early
   * failure is still seen. Spreading them evenly instead left ~2 s between polls at the end.
   */
  spreadDelay(next: number, reserve = 0, spacingMs = 1000, maxGapMs = FLOOR_MAX_GAP_MS): number {
    const elapsed = this.clock.now() - this.paceSince;
    if (elapsed >= BUDGET_FLOOR_MS) return 0;
    const left = (DESCRIBE_CALLS_PER_SECOND * BUDGET_FLOOR_MS) / 1000 - this.paced - reserve;
    if (left < next) return 0; // delayFor holds the call back until the budget allows it
    // Late enough that the calls left after this one cover the rest of the floor, spacingMs apart.
    const latest = BUDGET_FLOOR_MS - elapsed - Math.floor((left - next) / next) * spacingMs;
    return Math.max(0, Math.min(latest, maxGapMs));
  }
}
