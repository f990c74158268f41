// The policies that replace an environment's instances with new ones in a temporary Auto Scaling
// group: Immutable and TrafficSplitting (EB developer guide, "Immutable environment updates" and
// "Deployment policies and settings" → "How traffic-splitting deployments work").
import { batchFailure, CheckStreaks, waitForBatchHealth } from './batch-health.js';
import type { DeployRun } from './deploy-run.js';
import type { Instance } from './instances.js';
import type { Backend, Routing } from './load-balancer.js';
import type { Runtime } from './runtime.js';
import type { Environment } from './state.js';

export const ids = (instances: Instance[]): string => instances.map((i) => i.id).join(',');

/** What the environment's load balancer routes to: in-service instances, split while a traffic-splitting deployment evaluates. */
export function routingOf(env: Environment): Routing {
  const inService = (instances: Instance[]): Backend[] => instances.filter((i) => i.inService);
  if (!env.trafficSplit) return { backends: inService([...env.instances, ...env.temporaryInstances]) };
  return { backends: inService(env.instances), canary: { backends: inService(env.temporaryInstances), percent: env.trafficSplit.percent } };
}

/**
 * Terminates instances already out of the load balancer's pool, after connection draining
 * (aws:elasticbeanstalk:environment:process:default DeregistrationTimeout, default 20 s) so
 * requests in flight complete.
 */
export async function retire(rt: Runtime, instances: Instance[]): Promise<void> {
  if (instances.length === 0) return;
  await rt.clock.sleep(20);
  await Promise.all(instances.map((i) => i.terminate()));
}

/** Drops the running deployment's temporary instances at once (failure, abort, terminate). */
export async function terminateTemporary(env: Environment): Promise<void> {
  const temporary = env.temporaryInstances;
  env.temporaryInstances = [];
  delete env.trafficSplit;
  await Promise.all(temporary.map((i) => i.terminate()));
}

const launchTemporary = (run: DeployRun, count: number): Promise<Instance[]> =>
  Promise.all(Array.from({ length: count }, () => run.rt.launch(run.env.temporaryInstances, run.version, run.config, run.deploymentId, run.signal)));

/** The new instances join the permanent group; the old ones leave the load balancer and are terminated. */
async function adoptTemporary(run: DeployRun, fresh: Instance[]): Promise<void> {
  const { env } = run;
  run.emit(`Adding new instance(s) [${ids(fresh)}] to the permanent auto scaling group.`);
  const old = env.instances;
  env.instances = fresh;
  env.temporaryInstances = [];
  delete env.trafficSplit;
  run.emit(`Terminating old instance(s) [${ids(old)}] and the temporary auto scaling group.`);
  await retire(run.rt, old);
}

async function undoTemporary(run: DeployRun, failed: Instance[], why: string): Promise<false> {
  run.emit(`Instance(s) [${ids(failed)}] in the temporary auto scaling group ${why}`, 'ERROR');
  run.emit('Terminating the temporary auto scaling group and its instance(s); the environment keeps its previous version.', 'WARN');
  await terminateTemporary(run.env);
  return false;
}

/**
 * "Immutable environment updates": one instance with the new version is launched in a temporary
 * group and serves traffic alongside the old instances; once it passes health checks, as many more
 * as the environment has are launched; when all pass, they move to the permanent group and the old
 * instances are terminated. If the new instances fail, only the temporary group is terminated: the
 * environment keeps running the old version, untouched.
 */
export async function deployImmutable(run: DeployRun): Promise<boolean> {
  const { rt, env, config } = run;
  const count = Math.max(env.instances.length, config.minSize, 1);
  run.emit('Immutable deployment policy enabled. Launching one instance with the new settings to verify health.');
  run.emit('Created temporary auto scaling group.');
  const first = await launchTemporary(run, 1);
  if ((await waitForBatchHealth(rt, first, config, run.signal)) !== 'healthy') return undoTemporary(run, first, batchFailure(first, config));
  if (count > 1) {
    run.emit(`Launching ${count - 1} more instance(s) with the new settings in the temporary auto scaling group.`);
    const rest = await launchTemporary(run, count - 1);
    if ((await waitForBatchHealth(rt, rest, config, run.signal)) !== 'healthy') return undoTemporary(run, rest, batchFailure(rest, config));
  }
  await adoptTemporary(run, [...env.temporaryInstances]);
  return true;
}

/**
 * "How traffic-splitting deployments work": a full set of new instances (as many as the environment
 * has) is launched in a temporary group; the load balancer sends NewVersionPercent of the requests
 * to them for EvaluationTime minutes while their health is tracked. If they pass health checks by
 * the end (batch-health.ts: consecutive passing reports up to the end), all traffic shifts to them and
 * the old instances are terminated; if not, traffic goes back to the old instances and the new ones
 * are terminated. Capacity never changes.
 */
export async function deployTrafficSplitting(run: DeployRun): Promise<boolean> {
  const { rt, env, config, signal } = run;
  const count = Math.max(env.instances.length, config.minSize, 1);
  run.emit(`Traffic-splitting deployment policy enabled. Launching ${count} instance(s) with the new version in a temporary auto scaling group.`);
  // New instances get their share only once they are in service (the load balancer's health check).
  env.trafficSplit = { percent: config.newVersionPercent };
  const fresh = await launchTemporary(run, count);
  run.emit(`Sending ${config.newVersionPercent} % of the traffic to the new instance(s) [${ids(fresh)}]; evaluating their health for ${config.evaluationTime} minute(s).`);
  const evaluationEnd = Date.now() + rt.clock.ms(config.evaluationTime * 60);
  const streaks = new CheckStreaks(config.healthCheckSuccessThreshold);
  while (Date.now() < evaluationEnd) {
    await rt.nextHealthReport(signal);
    streaks.record(fresh);
  }
  if (!config.ignoreHealthCheck && !streaks.allPassed(fresh)) {
    run.emit('Moving all traffic back to the old instance(s).', 'WARN');
    return undoTemporary(run, fresh, `did not pass health checks during the ${config.evaluationTime}-minute evaluation: ${fresh.map((i) => `${i.id}: ${i.health.status}`).join(', ')}.`);
  }
  run.emit('Evaluation succeeded. Shifting all traffic to the new instance(s).');
  await adoptTemporary(run, fresh);
  return true;
}
