// One count of the EB describe calls a process makes, so every polling loop (version processing,
// the gate, a rollback's gate) shares one budget: describe calls ≤ 1/s on average over the whole
// deploy, the calls made before the polling included. The count is taken on the client itself
// (a middleware per attempt on the wire), so no call — nor an SDK retry — escapes it.
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { Clock } from '../engine/clock.js';

/** Average describe calls per second over a deploy that the pollers stay within. */
export const DESCRIBE_CALLS_PER_SECOND = 1;
/**
 * Every real EB update takes longer than this (EB's deploy command alone takes about 15 s), so the
 * first calls of a deploy may come quickly: the average is only ever taken over at least this long.
 */
export const BUDGET_FLOOR_MS = 20_000;

/** The longest a poller stays blind early in the floor, while it saves calls for its end. */
export const FLOOR_MAX_GAP_MS = 5000;

export class DescribeMeter {
  calls = 0;
  constructor(
    private readonly clock: Clock,
    public since: number = clock.now(),
  ) {}

  /**
   * Starts the budget afresh: the preflight's one-off reads (a handful, before anything changes)
   * are not polling, and must not eat the calls the gate needs later.
   */
  restart(): void {
    this.calls = 0;
    this.since = this.clock.now();
  }

  record(calls = 1): void {
    this.calls += calls;
  }

  /** Calls allowed in total by now: the rate times the time since the start (at least the floor). */
  allowed(): number {
    return (DESCRIBE_CALLS_PER_SECOND * Math.max(this.clock.now() - this.since, BUDGET_FLOOR_MS)) / 1000;
  }

  /**
   * How long to wait before `next` more calls so that `reserve` calls stay available for later
   * (the gate keeps its confirmation checks' calls in reserve while it waits).
   */
  delayFor(next: number, reserve = 0): number {
    const needed = this.calls + next + reserve;
    if (needed <= this.allowed()) return 0;
    return Math.ceil(this.since + (needed * 1000) / DESCRIBE_CALLS_PER_SECOND - this.clock.now());
  }

  /**
   * Before the floor has passed: how long to wait so that the calls left in it (`reserve` kept
   * aside) are spent where they matter. No EB update ends within seconds (its deploy command alone
   * takes about 15 s), so the calls are packed toward the end of the floor, `spacingMs` apart,
   * where a short update turns Green; earlier, a poll comes at least every `maxGapMs` so an early
   * failure is still seen. Spreading them evenly instead left ~2 s between polls at the end.
   */
  spreadDelay(next: number, reserve = 0, spacingMs = 1000, maxGapMs = FLOOR_MAX_GAP_MS): number {
    const elapsed = this.clock.now() - this.since;
    if (elapsed >= BUDGET_FLOOR_MS) return 0;
    const left = (DESCRIBE_CALLS_PER_SECOND * BUDGET_FLOOR_MS) / 1000 - this.calls - reserve;
    if (left < next) return 0; // delayFor holds the call back until the budget allows it
    // Late enough that the calls left after this one cover the rest of the floor, spacingMs apart.
    const latest = BUDGET_FLOOR_MS - elapsed - Math.floor((left - next) / next) * spacingMs;
    return Math.max(0, Math.min(latest, maxGapMs));
  }
}

const meters = new WeakMap<object, DescribeMeter>();

interface MiddlewareStackLike {
  add(mw: (next: (args: unknown) => Promise<unknown>, ctx: { commandName?: string }) => (args: unknown) => Promise<unknown>, opts: object): void;
}

/** The client's meter, made on first use; a client with a middleware stack counts its own calls. */
export function meterFor(eb: ElasticBeanstalkClient, clock: Clock): DescribeMeter {
  let meter = meters.get(eb);
  if (meter) return meter;
  meter = new DescribeMeter(clock);
  meters.set(eb, meter);
  const stack = (eb as { middlewareStack?: MiddlewareStackLike }).middlewareStack;
  const m = meter;
  // finalizeRequest at low priority runs inside the SDK's retry middleware: once per attempt.
  stack?.add(
    (next, ctx) => (args) => {
      if (ctx.commandName?.startsWith('Describe')) m.record();
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'ebPipelineDescribeMeter' },
  );
  return meter;
}

/** For a client that counts its calls itself (the fake EB of the timing tests). */
export function registerMeter(eb: object, meter: DescribeMeter): void {
  meters.set(eb, meter);
}
