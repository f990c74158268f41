// Time as a dependency: the engine never calls Date.now() or setTimeout directly, so the gate and
// every timeout can be tested in milliseconds with a fake clock.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A point in time after which waiting stops; `remaining()` never goes below 0. */
export class Deadline {
  constructor(
    private readonly clock: Clock,
    readonly at: number,
    readonly what: string,
  ) {}
  static after(clock: Clock, ms: number, what: string): Deadline {
    return new Deadline(clock, clock.now() + ms, what);
  }
  remaining(): number {
    return Math.max(0, this.at - this.clock.now());
  }
  passed(): boolean {
    return this.clock.now() >= this.at;
  }
}
