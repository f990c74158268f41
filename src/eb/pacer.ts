// How long to wait before the next check. Quick right after the update (2 s), slower later (5 s,
// then 10 s), 1 s while confirming consecutive passes — and never more describe calls than a
// token bucket allows (1 call/s on average, bursts of 10), which keeps us inside EB's limits.
import type { Clock } from '../engine/clock.js';

export interface PacerOptions {
  callsPerSecond?: number;
  burst?: number;
}

export class PollPacer {
  private tokens: number;
  private refilledAt: number;
  private readonly rate: number;
  private readonly burst: number;

  constructor(
    private readonly clock: Clock,
    private readonly startedAt: number,
    opts: PacerOptions = {},
  ) {
    this.rate = opts.callsPerSecond ?? 1;
    this.burst = opts.burst ?? 10;
    this.tokens = this.burst;
    this.refilledAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
    this.refilledAt = now;
  }

  /** Records `calls` describe calls just made. */
  spend(calls: number): void {
    this.refill();
    this.tokens -= calls;
  }

  scheduleDelay(lastCheckPassed: boolean): number {
    if (lastCheckPassed) return 1000;
    const elapsed = this.clock.now() - this.startedAt;
    if (elapsed < 30_000) return 2000;
    if (elapsed < 120_000) return 5000;
    return 10_000;
  }

  /** Delay before a check that will make `nextCalls` calls. */
  nextDelay(lastCheckPassed: boolean, nextCalls: number): number {
    this.refill();
    const deficit = nextCalls - this.tokens;
    const forBudget = deficit > 0 ? Math.ceil((deficit / this.rate) * 1000) : 0;
    return Math.max(this.scheduleDelay(lastCheckPassed), forBudget);
  }
}
