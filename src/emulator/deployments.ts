// Deployment policies: how a new version reaches an environment's instances.
import { DOCKER_UNSUPPORTED } from './health.js';
import type { Instance } from './instances.js';
import { batchCount, type EnvironmentConfig } from './option-settings.js';
import type { Runtime } from './runtime.js';
import type { AppVersion, Environment, Severity } from './state.js';

export interface DeployRun {
  rt: Runtime;
  env: Environment;
  /** Undefined: the sample application. */
  version: AppVersion | undefined;
  config: EnvironmentConfig;
  deploymentId: number;
  signal: AbortSignal;
  emit(message: string, severity?: Severity): void;
}

const ids = (instances: Instance[]): string => instances.map((i) => i.id).join(',');

function causesOf(instances: Instance[]): string {
  const causes = [...new Set(instances.flatMap((i) => i.health.causes))];
  return causes.length > 0 ? ` ${causes.join(' ')}` : '';
}

/** Replaces the version on `instances` in place (one EB "command" on each). */
async function deployInPlace(run: DeployRun, instances: Instance[]): Promise<void> {
  for (const i of instances) i.beginDeployment(run.version?.label, run.deploymentId);
  await run.rt.clock.sleep(15, run.signal);
  await Promise.all(instances.map((i) => run.rt.runOn(i, run.version, run.config, run.deploymentId)));
}

export async function deployAllAtOnce(run: DeployRun): Promise<boolean> {
  run.emit('Deploying new version to instance(s).');
  await deployInPlace(run, run.env.instances);
  run.emit('Instance deployment completed successfully.');
  // EB reports success once the command ran, healthy or not; waiting for the first health verdict
  // makes the environment's Health at Ready reflect the new processes rather than "Pending".
  await run.rt.waitForHealth(run.env.instances, run.config.commandTimeout, run.signal);
  return true;
}

/** Batches of BatchSize; each batch must pass health checks before the next starts. */
export async function deployRolling(run: DeployRun): Promise<boolean> {
  const all = [...run.env.instances];
  const size = batchCount(run.config, all.length);
  for (let start = 0, n = 1; start < all.length; start += size, n++) {
    const batch = all.slice(start, start + size);
    run.emit(`Batch ${n}: Starting application deployment on instance(s) [${ids(batch)}].`);
    await deployInPlace(run, batch);
    run.emit(`Batch ${n}: Waiting for instance(s) [${ids(batch)}] to pass health checks.`);
    const outcome = await run.rt.waitForHealth(batch, run.config.commandTimeout, run.signal);
    if (outcome !== 'healthy') {
      const why = outcome === 'timeout' ? 'did not pass health checks within the command timeout' : 'failed health checks';
      run.emit(`Batch ${n}: instance(s) [${ids(batch)}] ${why}.${causesOf(batch)}`, 'ERROR');
      return false;
    }
    run.emit(`Batch ${n}: Completed application deployment.`);
  }
  return true;
}

/** New instances in a temporary group; the old ones go only once the new ones are healthy. */
export async function deployImmutable(run: DeployRun): Promise<boolean> {
  const { rt, env } = run;
  const count = Math.max(env.instances.length, run.config.minSize, 1);
  run.emit('Immutable deployment policy enabled. Launching one instance with the new settings to verify health.');
  run.emit(`Created temporary auto scaling group for ${count} new instance(s).`);
  const fresh = await Promise.all(Array.from({ length: count }, () => rt.launch(env.temporaryInstances, run.version, run.config, run.deploymentId, run.signal)));
  const outcome = await rt.waitForHealth(fresh, run.config.commandTimeout, run.signal);
  if (outcome !== 'healthy') {
    const why = outcome === 'timeout' ? 'did not pass health checks within the command timeout' : 'failed health checks';
    run.emit(`Instance(s) [${ids(fresh)}] in the temporary auto scaling group ${why}.${causesOf(fresh)}`, 'ERROR');
    run.emit('Terminating the temporary auto scaling group and its instance(s); the environment keeps its previous version.', 'WARN');
    await terminateTemporary(env);
    return false;
  }
  run.emit(`Adding new instance(s) [${ids(fresh)}] to the permanent auto scaling group.`);
  const old = env.instances;
  env.instances = fresh;
  env.temporaryInstances = [];
  run.emit(`Terminating old instance(s) [${ids(old)}].`);
  await Promise.all(old.map((i) => i.terminate()));
  return true;
}

export async function terminateTemporary(env: Environment): Promise<void> {
  const temporary = env.temporaryInstances;
  env.temporaryInstances = [];
  await Promise.all(temporary.map((i) => i.terminate()));
}

/** Runs the environment's policy; false when the deployment failed (the caller reports it). */
export async function deployVersion(run: DeployRun): Promise<boolean> {
  if (run.rt.bundleInfo(run.version).webCommand === undefined) {
    run.emit(`Instance deployment failed: ${DOCKER_UNSUPPORTED}`, 'ERROR');
    return false;
  }
  switch (run.config.deploymentPolicy) {
    case 'AllAtOnce':
      return deployAllAtOnce(run);
    case 'Rolling':
    case 'RollingWithAdditionalBatch':
      return deployRolling(run);
    case 'Immutable':
    case 'TrafficSplitting':
      return deployImmutable(run);
  }
}
