// Environment operations that run after the API call has answered: launch, update, abort, terminate.
import { checkOptions } from './catalogue.js';
import type { DeployRun } from './deploy-run.js';
import { deployVersion } from './deployments.js';
import { routingOf, terminateTemporary } from './new-instance-deployments.js';
import { mergeOptionSettings, resolveConfig, withoutOptions, type EnvironmentConfig, type OptionSpecification } from './option-settings.js';
import type { OptionSetting } from './query-protocol.js';
import type { Runtime } from './runtime.js';
import type { AppVersion, Environment, Severity } from './state.js';

/** Why an operation stopped early: AbortEnvironmentUpdate or emulator shutdown. */
class Aborted extends Error {}
const ABORT_UPDATE = 'AbortEnvironmentUpdate';

function emitter(rt: Runtime, env: Environment, requestId: string) {
  return (message: string, severity: Severity = 'INFO'): void => rt.event(env, message, severity, { requestId });
}

export function configFor(env: Environment, version: AppVersion | undefined, rt: Runtime, extra: OptionSetting[] = []): EnvironmentConfig {
  // The bundle's .ebextensions settings meet the option catalogue when they are deployed, as on EB.
  checkOptions(rt.bundleInfo(version).optionSettings);
  return resolveConfig(mergeOptionSettings(rt.bundleInfo(version).optionSettings, env.apiOptionSettings, extra));
}

function startOperation(env: Environment, kind: 'deploy' | 'configure', label: string | undefined, body: (signal: AbortSignal) => Promise<void>): void {
  const controller = new AbortController();
  const done = body(controller.signal)
    // A background operation must never take the emulator down with an unhandled rejection.
    .catch((err: unknown) => console.error(`eb emulator: ${kind} of ${env.name} failed unexpectedly`, err))
    .finally(() => {
      if (env.operation?.controller === controller) delete env.operation;
    });
  env.operation = { kind, controller, done, ...(label !== undefined ? { label } : {}) };
}

/** Processes the version if needed; the failure message when it cannot be deployed. */
async function ensureProcessed(rt: Runtime, version: AppVersion | undefined, requestId: string): Promise<string | undefined> {
  if (!version) return undefined;
  await rt.processVersion(version, requestId);
  return version.status === 'Failed' ? (version.failure ?? 'processing failed') : undefined;
}

export function launchEnvironment(rt: Runtime, env: Environment, version: AppVersion | undefined, requestId: string): void {
  const emit = emitter(rt, env, requestId);
  emit('createEnvironment is starting.');
  startOperation(env, 'deploy', version?.label, async (signal) => {
    try {
      await rt.clock.sleep(30, signal);
      const denied = rt.serviceCallDenial(requestId, env, 'create');
      if (denied) {
        emit(denied, 'ERROR');
        emit('Create environment operation is complete, but with errors. For more information, see troubleshooting documentation.', 'WARN');
        return;
      }
      emit(`Created load balancer listening on ${env.lb.endpoint}.`);
      const failure = await ensureProcessed(rt, version, requestId);
      if (failure) {
        emit(`Failed to launch the application: ${failure}`, 'ERROR');
        emit('Create environment operation is complete, but with errors. For more information, see troubleshooting documentation.', 'WARN');
        return;
      }
      const config = configFor(env, version, rt);
      const deploymentId = ++env.deploymentCounter;
      await Promise.all(Array.from({ length: Math.max(config.minSize, 1) }, () => rt.launch(env.instances, version, config, deploymentId, signal)));
      emit('Instance deployment completed successfully.');
      const outcome = await rt.waitForVerdict(env.instances, config.commandTimeout, signal);
      if (outcome === 'healthy') emit(`Successfully launched environment: ${env.name}`);
      else emit('Create environment operation is complete, but with errors. For more information, see troubleshooting documentation.', 'WARN');
    } catch (err) {
      if (!signal.aborted) emit(`Create environment failed: ${(err as Error).message}`, 'ERROR');
    } finally {
      if (env.status === 'Launching') env.status = 'Ready';
      env.updated = new Date();
      rt.refreshEnvironmentHealth(env);
    }
  });
}

export interface UpdateRequest {
  version?: AppVersion;
  optionSettings: OptionSetting[];
  /** OptionsToRemove: back to the bundle's value or EB's default. */
  optionsToRemove?: OptionSpecification[];
  requestId: string;
  stuck: boolean;
}

export function updateEnvironment(rt: Runtime, env: Environment, req: UpdateRequest): void {
  const emit = emitter(rt, env, req.requestId);
  const previousLabel = env.versionLabel;
  const previous = previousLabel === undefined ? undefined : rt.state.version(env.app, previousLabel);
  env.status = 'Updating';
  env.updated = new Date();
  emit('Environment update is starting.');
  startOperation(env, req.version ? 'deploy' : 'configure', req.version?.label, async (signal) => {
    let ok = false;
    try {
      if (req.stuck) await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Aborted()), { once: true }));
      // EB updates the environment's stack with the caller's permissions: without them, nothing changes.
      const denied = rt.serviceCallDenial(req.requestId, env, 'update');
      if (!denied) env.apiOptionSettings = withoutOptions(mergeOptionSettings(env.apiOptionSettings, req.optionSettings), req.optionsToRemove ?? []);
      const target = req.version ?? previous;
      const failure = denied ? undefined : await ensureProcessed(rt, req.version, req.requestId);
      if (denied) {
        await rt.clock.sleep(5, signal);
        emit(denied, 'ERROR');
      } else if (failure) {
        emit(`Application version ${req.version?.label ?? ''} cannot be deployed: ${failure}`, 'ERROR');
      } else {
        const run: DeployRun = { rt, env, version: target, config: configFor(env, target, rt), deploymentId: ++env.deploymentCounter, signal, emit };
        if (!req.version) emit(`Updating environment ${env.name}'s configuration settings.`);
        ok = await deployVersion(run);
        if (ok && req.version) {
          env.versionLabel = req.version.label;
          emit('New application version was deployed to running EC2 instances.');
        } else if (ok) emit('Successfully deployed new configuration to environment.');
      }
      if (ok) emit('Environment update completed successfully.');
      else emit('Failed to deploy application.', 'ERROR');
    } catch (err) {
      if (signal.reason instanceof Aborted && signal.reason.message === ABORT_UPDATE) await restoreAfterAbort(rt, env, previous, emit);
      else if (signal.aborted) return;
      else emit(`Environment update failed: ${(err as Error).message}`, 'ERROR');
    } finally {
      if (env.status === 'Updating') env.status = 'Ready';
      env.updated = new Date();
      rt.refreshEnvironmentHealth(env);
    }
  });
}

/** After AbortEnvironmentUpdate: temporary instances go, in-place instances get the previous version back. */
async function restoreAfterAbort(rt: Runtime, env: Environment, previous: AppVersion | undefined, emit: (m: string, s?: Severity) => void): Promise<void> {
  if (env.status !== 'Updating') return;
  await terminateTemporary(env);
  const changed = env.instances.filter((i) => i.deployment.versionLabel !== previous?.label || i.deployment.status !== 'Deployed');
  if (changed.length > 0) {
    emit(`Rolling back instance(s) [${changed.map((i) => i.id).join(',')}] to the previous version.`);
    const config = configFor(env, previous, rt);
    const deploymentId = ++env.deploymentCounter;
    await Promise.all(changed.map((i) => rt.runOn(i, previous, config, deploymentId)));
  }
  emit('Environment update was aborted.', 'WARN');
}

/** Cancels the running update; the environment stays Updating while the previous version is restored. */
export async function abortUpdate(env: Environment): Promise<void> {
  const op = env.operation;
  if (!op) return;
  op.controller.abort(new Aborted(ABORT_UPDATE));
  await op.done;
}

export function terminateEnvironment(rt: Runtime, env: Environment, requestId: string): void {
  const emit = emitter(rt, env, requestId);
  const denied = rt.serviceCallDenial(requestId, env, 'terminate');
  if (denied) {
    // EB deletes the stack with the caller's permissions; refused, the environment stays as it was.
    const before = env.status;
    env.status = 'Terminating';
    emit('terminateEnvironment is starting.');
    void rt.clock.sleep(5).then(() => {
      emit(denied, 'ERROR');
      emit('Failed to terminate the environment.', 'ERROR');
      env.status = before;
      env.updated = new Date();
    });
    return;
  }
  const running = env.operation;
  running?.controller.abort(new Aborted('terminate'));
  env.status = 'Terminating';
  env.updated = new Date();
  emit('terminateEnvironment is starting.');
  void (async () => {
    await running?.done.catch(() => undefined);
    await terminateTemporary(env);
    await Promise.all(env.instances.map((i) => i.terminate()));
    env.instances = [];
    await env.lb.stop();
    await rt.clock.sleep(30);
    env.status = 'Terminated';
    env.terminatedAt = new Date();
    env.updated = new Date();
    rt.refreshEnvironmentHealth(env);
    emit('terminateEnvironment completed successfully.');
  })().catch((err: unknown) => console.error(`eb emulator: terminating ${env.name} failed unexpectedly`, err));
}

/** RestartAppServer: every instance's web server restarted with what it runs; Updating meanwhile. */
export function restartAppServer(rt: Runtime, env: Environment, requestId: string): void {
  const emit = emitter(rt, env, requestId);
  env.status = 'Updating';
  env.updated = new Date();
  emit('restartAppServer is starting.');
  startOperation(env, 'configure', undefined, async (signal) => {
    try {
      await Promise.all(env.instances.map((i) => i.restart()));
      const version = env.versionLabel === undefined ? undefined : rt.state.version(env.app, env.versionLabel);
      // Done once the restarted processes answer health checks again (or the command Timeout passes).
      await rt.waitForVerdict(env.instances, configFor(env, version, rt).commandTimeout, signal);
      emit('restartAppServer completed successfully.');
    } catch (err) {
      emit(`restartAppServer failed: ${(err as Error).message}`, 'ERROR');
    } finally {
      if (env.status === 'Updating') env.status = 'Ready';
      env.updated = new Date();
      rt.refreshEnvironmentHealth(env);
    }
  });
}

/**
 * RebuildEnvironment: the environment's instances terminated and as many new ones launched with the
 * version it runs (EB deletes and recreates the resources); Updating meanwhile. EB does this with the
 * caller's permissions, as it does for CreateEnvironment.
 */
export function rebuildEnvironment(rt: Runtime, env: Environment, requestId: string): void {
  const emit = emitter(rt, env, requestId);
  env.status = 'Updating';
  env.updated = new Date();
  emit('rebuildEnvironment is starting.');
  startOperation(env, 'configure', undefined, async (signal) => {
    try {
      const denied = rt.serviceCallDenial(requestId, env, 'rebuild');
      if (denied) {
        emit(denied, 'ERROR');
        return;
      }
      const version = env.versionLabel === undefined ? undefined : rt.state.version(env.app, env.versionLabel);
      const config = configFor(env, version, rt);
      const old = env.instances;
      env.instances = [];
      await Promise.all(old.map((i) => i.terminate()));
      const deploymentId = ++env.deploymentCounter;
      await Promise.all(Array.from({ length: Math.max(config.minSize, 1) }, () => rt.launch(env.instances, version, config, deploymentId, signal)));
      const outcome = await rt.waitForVerdict(env.instances, config.commandTimeout, signal);
      if (outcome === 'healthy') emit('rebuildEnvironment completed successfully.');
      else emit('rebuildEnvironment completed, but with errors. For more information, see troubleshooting documentation.', 'WARN');
    } catch (err) {
      if (!signal.aborted) emit(`rebuildEnvironment failed: ${(err as Error).message}`, 'ERROR');
    } finally {
      if (env.status === 'Updating') env.status = 'Ready';
      env.updated = new Date();
      rt.refreshEnvironmentHealth(env);
    }
  });
}

/**
 * SwapEnvironmentCNAMEs: each environment's URL (here: its load balancer's host:port) moves to the
 * other, so clients of one URL reach the other environment's instances — EB's blue/green switch.
 */
export function swapCnames(rt: Runtime, a: Environment, b: Environment, requestId: string): void {
  const [lbA, lbB] = [a.lb, b.lb];
  a.lb = lbB;
  b.lb = lbA;
  a.lb.routeTo(() => routingOf(a));
  b.lb.routeTo(() => routingOf(b));
  a.updated = b.updated = new Date();
  for (const env of [a, b]) rt.event(env, `Completed swapping CNAMEs for environments '${a.name}' and '${b.name}'.`, 'INFO', { requestId });
}
