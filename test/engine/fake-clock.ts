import type { Clock } from '../../src/engine/clock.js';

/** Time that only moves when the code under test sleeps: timeouts of minutes run in microseconds. */
export class FakeClock implements Clock {
  sleeps: number[] = [];
  constructor(public t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
    return Promise.resolve();
  }
}
