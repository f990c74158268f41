// Deployment policies: how a new version reaches an environment's instances, after the EB developer
// guide, "Deployment policies and settings" (using-features.rolling-version-deploy). This module
// holds the policies that deploy onto the environment's own instances (AllAtOnce, Rolling,
// RollingWithAdditionalBatch); new-instance-deployments.ts those that replace them.
import { batchFailure, waitForBatchHealth } from './batch-health.js';
import { NO_WEB_PROCESS } from './health.js';
import { CommandFailure, type Instance } from './instances.js';
import { deployImmutable, deployTrafficSplitting, ids, retire } from './new-instance-deployments.js';
import { batchCount } from './option-settings.js';
import type { DeployRun } from './deploy-run.js';

/**
 * Replaces the version on `instances` in place (one EB "command" on each). "How rolling deployments
 * work": the batch is detached from the load balancer (beginDeployment takes it out of service),
 * deployed to, and reattached; the load balancer routes to it again once it passes a health check.
 */
async function deployInPlace(run: DeployRun, instances: Instance[]): Promise<boolean> {
  for (const i of instances) i.beginDeployment(run.version?.label, run.deploymentId);
  await run.rt.clock.sleep(15, run.signal);
  const results = await Promise.allSettled(instances.map((i) => run.rt.runOn(i, run.version, run.config, run.deploymentId)));
  const failed = results.flatMap((r, n) => (r.status === 'rejected' ? [{ instance: instances[n] as Instance, reason: r.reason as unknown }] : []));
  if (failed.length === 0) return true;
  for (const { reason } of failed) if (!(reason instanceof CommandFailure)) throw reason;
  // The events EB shows when the deployment command fails on instances (their eb-engine.log detail included).
  const summaries = new Set(failed.map((f) => (f.reason as CommandFailure).summary));
  for (const summary of summaries) run.emit(summary, 'ERROR');
  for (const { instance, reason } of failed) {
    run.emit(`[Instance: ${instance.id}] Command failed on instance. Return code: 1 Output: Engine execution has encountered an error. ${(reason as Error).message}`, 'ERROR');
  }
  run.emit(`Command execution completed on all instances. Summary: [Successful: ${instances.length - failed.length}, Failed: ${failed.length}].`);
  return false;
}

/** Every instance at once: downtime while the command runs; EB reports success once it ran, healthy or not. */
export async function deployAllAtOnce(run: DeployRun): Promise<boolean> {
  run.emit('Deploying new version to instance(s).');
  if (!(await deployInPlace(run, run.env.instances))) return false;
  run.emit('Instance deployment completed successfully.');
  // Waiting for the first health verdict makes the environment's Health at Ready reflect the new
  // processes rather than "Pending".
  await run.rt.waitForVerdict(run.env.instances, run.config.commandTimeout, run.signal);
  return true;
}

/**
 * Batches of BatchSize (BatchSizeType Percentage or Fixed) of `instances`, one at a time; each must
 * pass health checks (batch-health.ts) before the next starts. A failed batch stops the deployment:
 * completed batches keep the new version, the rest keep the old one.
 */
async function deployInBatches(run: DeployRun, instances: Instance[]): Promise<boolean> {
  const size = batchCount(run.config, instances.length);
  for (let start = 0, n = 1; start < instances.length; start += size, n++) {
    const batch = instances.slice(start, start + size);
    run.emit(`Batch ${n}: Starting application deployment on instance(s) [${ids(batch)}].`);
    if (!(await deployInPlace(run, batch))) return false;
    if (!run.config.ignoreHealthCheck) run.emit(`Batch ${n}: Waiting for instance(s) [${ids(batch)}] to pass health checks.`);
    if ((await waitForBatchHealth(run.rt, batch, run.config, run.signal)) !== 'healthy') {
      run.emit(`Batch ${n}: instance(s) [${ids(batch)}] ${batchFailure(batch, run.config)}`, 'ERROR');
      return false;
    }
    run.emit(`Batch ${n}: Completed application deployment.`);
  }
  return true;
}

export const deployRolling = (run: DeployRun): Promise<boolean> => deployInBatches(run, [...run.env.instances]);

/**
 * "Rolling with an additional batch": a new batch of instances running the new version is launched
 * and must pass health checks BEFORE any instance is taken out of service, so capacity never drops;
 * then the environment's instances are deployed to in batches, and when the deployment completes the
 * additional batch is terminated. If it fails, the additional batch is terminated too.
 */
export async function deployRollingWithAdditionalBatch(run: DeployRun): Promise<boolean> {
  const { rt, env, config } = run;
  const original = [...env.instances];
  const size = batchCount(config, original.length);
  run.emit(`Launching an additional batch of ${size} instance(s) with the new version to keep full capacity.`);
  // The extra batch lives with the deployment (env.temporaryInstances): it serves traffic alongside
  // the others and is dropped if the deployment fails or is aborted.
  const extra = await Promise.all(Array.from({ length: size }, () => rt.launch(env.temporaryInstances, run.version, config, run.deploymentId, run.signal)));
  let ok = (await waitForBatchHealth(rt, extra, config, run.signal)) === 'healthy';
  if (!ok) run.emit(`Additional batch: instance(s) [${ids(extra)}] ${batchFailure(extra, config)}`, 'ERROR');
  else ok = await deployInBatches(run, original);
  run.emit(`Terminating the additional batch of instance(s) [${ids(extra)}].`);
  env.temporaryInstances = [];
  await retire(rt, extra);
  return ok;
}

/** Runs the environment's policy; false when the deployment failed (the caller reports it). */
export async function deployVersion(run: DeployRun): Promise<boolean> {
  const info = run.rt.bundleInfo(run.version);
  // Processing accepted the bundle (EB validates only configuration files then); what to run is
  // found out on the instances, so such a bundle fails here, at deployment, as on EB — before any
  // instance is touched.
  const problem = info.docker ? info.dockerProblem : info.webCommand === undefined ? NO_WEB_PROCESS : undefined;
  if (problem) {
    run.emit(`Instance deployment failed: ${problem}`, 'ERROR');
    return false;
  }
  switch (run.config.deploymentPolicy) {
    case 'AllAtOnce':
      return deployAllAtOnce(run);
    case 'Rolling':
      return deployRolling(run);
    case 'RollingWithAdditionalBatch':
      return deployRollingWithAdditionalBatch(run);
    case 'Immutable':
      return deployImmutable(run);
    case 'TrafficSplitting':
      return deployTrafficSplitting(run);
  }
}
