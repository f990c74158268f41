// Fault switches, shared by the programmatic API and the HTTP control endpoint.
import { EbError } from './query-protocol.js';

export type AppFaultMode = 'unhealthy' | 'crash-after' | 'slow-start';
export const APP_FAULT_MODES: readonly AppFaultMode[] = ['unhealthy', 'crash-after', 'slow-start'];

export interface EmulatorFaults {
  /** HTTP 400 `Throttling` "Rate exceeded" on a share of calls and/or the next `burst` calls. */
  throttle(opts: { share?: number; burst?: number; actions?: string[] }): void;
  /** The next `count` EB calls (of `actions`, if given) answer HTTP 500 or 503. */
  serverErrors(opts: { count: number; status?: 500 | 503; actions?: string[] }): void;
  /** The next `count` S3 requests answer 5xx. */
  s3ServerErrors(count: number): void;
  /** Every S3 UploadPart waits `ms` first (0: off), so a multipart upload stays open to be interrupted. */
  s3SlowParts(ms: number): void;
  /** Processing of version `label` ends Failed with `reason`. */
  failProcessing(label: string, reason?: string): void;
  /** The next update of `environmentName` never completes until AbortEnvironmentUpdate. */
  stuckUpdate(environmentName: string): void;
  /** Instances running version `label` get EMULATOR_FAULT_MODE / EMULATOR_FAULT_SECONDS. */
  appFault(label: string, opts: { mode: AppFaultMode; seconds?: number }): void;
  clear(): void;
}

interface Burst {
  remaining: number;
  actions?: string[];
}

const matches = (actions: string[] | undefined, action: string): boolean => !actions || actions.includes(action);

export class FaultState implements EmulatorFaults {
  private throttleShare: { share: number; actions?: string[] } | undefined;
  private throttleBursts: Burst[] = [];
  private errorBursts: (Burst & { status: 500 | 503 })[] = [];
  private readonly processingFailures = new Map<string, string>();
  private readonly stuck = new Set<string>();
  private readonly appFaults = new Map<string, { mode: AppFaultMode; seconds?: number }>();

  constructor(
    private readonly s3Faults: { serverErrors(count: number, status?: number): void; slowParts?(ms: number): void; clear(): void },
    private readonly random: () => number = Math.random,
  ) {}

  throttle(opts: { share?: number; burst?: number; actions?: string[] }): void {
    const { share, burst, actions } = opts;
    if (share !== undefined) {
      if (!(share >= 0 && share <= 1)) throw new RangeError(`throttle share must be between 0 and 1, got ${share}`);
      this.throttleShare = { share, ...(actions ? { actions } : {}) };
    }
    if (burst !== undefined) {
      if (!Number.isInteger(burst) || burst < 0) throw new RangeError(`throttle burst must be an integer >= 0, got ${burst}`);
      this.throttleBursts.push({ remaining: burst, ...(actions ? { actions } : {}) });
    }
    if (share === undefined && burst === undefined) throw new RangeError('throttle needs share (0..1) or burst (count)');
  }

  serverErrors(opts: { count: number; status?: 500 | 503; actions?: string[] }): void {
    const status = opts.status ?? 500;
    if (!Number.isInteger(opts.count) || opts.count < 0) throw new RangeError(`serverErrors count must be an integer >= 0, got ${opts.count}`);
    if (status !== 500 && status !== 503) throw new RangeError(`serverErrors status must be 500 or 503, got ${String(status)}`);
    this.errorBursts.push({ remaining: opts.count, status, ...(opts.actions ? { actions: opts.actions } : {}) });
  }

  s3ServerErrors(count: number): void {
    this.s3Faults.serverErrors(count);
  }

  s3SlowParts(ms: number): void {
    if (!this.s3Faults.slowParts) throw new Error('s3SlowParts: this S3 server has no slowParts switch');
    this.s3Faults.slowParts(ms);
  }

  failProcessing(label: string, reason = 'The application version failed processing (fault injected by the emulator).'): void {
    this.processingFailures.set(label, reason);
  }

  stuckUpdate(environmentName: string): void {
    this.stuck.add(environmentName);
  }

  appFault(label: string, opts: { mode: AppFaultMode; seconds?: number }): void {
    if (!APP_FAULT_MODES.includes(opts.mode)) throw new RangeError(`appFault mode must be one of ${APP_FAULT_MODES.join(', ')}, got ${String(opts.mode)}`);
    this.appFaults.set(label, opts);
  }

  clear(): void {
    this.throttleShare = undefined;
    this.throttleBursts = [];
    this.errorBursts = [];
    this.processingFailures.clear();
    this.stuck.clear();
    this.appFaults.clear();
    this.s3Faults.clear();
  }

  /** The error an EB call must answer instead of being served, if any fault applies to it. */
  interceptCall(action: string): EbError | undefined {
    const burst = this.throttleBursts.find((b) => b.remaining > 0 && matches(b.actions, action));
    if (burst) {
      burst.remaining--;
      return new EbError('Throttling', 'Rate exceeded', 400);
    }
    const share = this.throttleShare;
    if (share && matches(share.actions, action) && this.random() < share.share) {
      return new EbError('Throttling', 'Rate exceeded', 400);
    }
    const errors = this.errorBursts.find((b) => b.remaining > 0 && matches(b.actions, action));
    if (errors) {
      errors.remaining--;
      return errors.status === 503
        ? new EbError('ServiceUnavailable', 'Service is unavailable. Please try again later.', 503)
        : new EbError('InternalFailure', 'An internal error occurred. Please try again later.', 500);
    }
    return undefined;
  }

  processingFailure(label: string): string | undefined {
    return this.processingFailures.get(label);
  }

  /** True once for a stuck update: the switch is consumed by the update it wedges. */
  takeStuckUpdate(environmentName: string): boolean {
    return this.stuck.delete(environmentName);
  }

  appFaultEnv(label: string | undefined): Record<string, string> {
    const fault = label === undefined ? undefined : this.appFaults.get(label);
    if (!fault) return {};
    return { EMULATOR_FAULT_MODE: fault.mode, ...(fault.seconds !== undefined ? { EMULATOR_FAULT_SECONDS: String(fault.seconds) } : {}) };
  }
}
