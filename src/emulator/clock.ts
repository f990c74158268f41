// EB-sized waits (10 s health reports, minutes of deployment) shrunk by a time scale for tests.
export class Clock {
  constructor(readonly timeScale = 1) {
    if (!(timeScale > 0)) throw new Error(`timeScale must be a number > 0, got ${timeScale}`);
  }

  now(): Date {
    return new Date();
  }

  /** Milliseconds of real time that stand for `seconds` of EB time (never below `floorMs`). */
  ms(seconds: number, floorMs = 10): number {
    return Math.max(floorMs, Math.round(seconds * 1000 * this.timeScale));
  }

  /** Sleeps `seconds` of EB time; rejects with the signal's reason when aborted. */
  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    return sleepMs(this.ms(seconds), signal);
  }
}

export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
