// How a deployment decides that a batch of instances is healthy, as the EB developer guide
// describes it ("Deployment policies and settings" → "How rolling deployments work"; the
// aws:elasticbeanstalk:command and aws:elasticbeanstalk:healthreporting:system namespaces):
// - with enhanced health, every instance of the batch must pass 12 consecutive health checks
//   (12 reports 10 s apart: two minutes); one failed check restarts its count;
// - a check passes when the instance's status is no worse than HealthCheckSuccessThreshold
//   (default Ok; Warning lets a Warning instance pass, ...);
// - a batch that is not healthy within the command Timeout (default 600 s) fails the deployment;
// - IgnoreHealthCheck: the deployment does not wait for (nor fail on) health checks.
import type { HealthStatus } from './health.js';
import type { Instance } from './instances.js';
import type { EnvironmentConfig, SuccessThreshold } from './option-settings.js';
import type { Runtime } from './runtime.js';

/** Consecutive passing health reports a batch needs (web server environments). */
export const CONSECUTIVE_CHECKS = 12;

const PASSING: Record<SuccessThreshold, readonly HealthStatus[]> = {
  Ok: ['Ok', 'Info'],
  Warning: ['Ok', 'Info', 'Warning'],
  Degraded: ['Ok', 'Info', 'Warning', 'Degraded'],
  Severe: ['Ok', 'Info', 'Warning', 'Degraded', 'Severe'],
};

export const passesHealthCheck = (instance: Instance, threshold: SuccessThreshold): boolean => PASSING[threshold].includes(instance.health.status);

/** Counts each instance's run of consecutive passing reports. */
export class CheckStreaks {
  private readonly counts = new Map<Instance, number>();

  constructor(private readonly threshold: SuccessThreshold) {}

  /** Records one health report for every instance. */
  record(instances: Instance[]): void {
    for (const i of instances) this.counts.set(i, passesHealthCheck(i, this.threshold) ? (this.counts.get(i) ?? 0) + 1 : 0);
  }

  /** Every instance has passed CONSECUTIVE_CHECKS reports in a row, up to the latest one. */
  allPassed(instances: Instance[]): boolean {
    return instances.every((i) => (this.counts.get(i) ?? 0) >= CONSECUTIVE_CHECKS);
  }
}

export type BatchOutcome = 'healthy' | 'timeout';

/** Waits until `instances` pass health checks as EB judges a deployment batch, or the command Timeout passes. */
export async function waitForBatchHealth(rt: Runtime, instances: Instance[], config: EnvironmentConfig, signal: AbortSignal): Promise<BatchOutcome> {
  if (config.ignoreHealthCheck) return 'healthy';
  const deadline = Date.now() + rt.clock.ms(config.commandTimeout);
  const streaks = new CheckStreaks(config.healthCheckSuccessThreshold);
  for (;;) {
    await rt.nextHealthReport(signal);
    streaks.record(instances);
    if (streaks.allPassed(instances)) return 'healthy';
    if (Date.now() >= deadline) return 'timeout';
  }
}

/** The ERROR event's reason for a batch that did not pass. */
export function batchFailure(instances: Instance[], config: EnvironmentConfig): string {
  const causes = [...new Set(instances.flatMap((i) => i.health.causes))];
  const statuses = instances.map((i) => `${i.id}: ${i.health.status}`).join(', ');
  const threshold = config.healthCheckSuccessThreshold === 'Ok' ? '' : ` (HealthCheckSuccessThreshold ${config.healthCheckSuccessThreshold})`;
  return `did not pass health checks within the command timeout (${config.commandTimeout} s)${threshold}: ${statuses}.${causes.length > 0 ? ` ${causes.join(' ')}` : ''}`;
}
