// What runs behind the API: version processing, instance processes, the health agent ticking
// every report interval, and the environment's health roll-up with its transition events.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BundleError, downloadBundle, extractZip, processBundleFile, type BundleInfo } from './bundle.js';
import { sleepMs, type Clock } from './clock.js';
import type { FaultState } from './faults.js';
import { environmentHealth, RANK } from './health.js';
import { dockerShim, loopbackPorts } from './container.js';
import { ImageCache, ImagePullError } from './image-cache.js';
import { CommandFailure, Instance, newInstanceId } from './instances.js';
import { HookError, runHooks, type HookStage } from './platform-hooks.js';
import type { EnvironmentConfig } from './option-settings.js';
import type { AppVersion, EbState, Environment, Severity } from './state.js';
import type { ServiceOperation } from './auth/eb-service-calls.js';
import type { S3Fetch } from './auth/service-fetch.js';

const SAMPLE_APP = `import http from 'node:http';
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<html><body><h1>Elastic Beanstalk emulator sample application</h1></body></html>\\n');
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

export type WaitOutcome = 'healthy' | 'unhealthy' | 'timeout';

export class Runtime {
  private ticker: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly reports = new EventTarget();
  private sampleDir: string;
  /** The Docker platform's pulled images, flattened once per image ID. */
  readonly images: ImageCache;
  /** How EB's own S3 calls are sent (signed as the EB service when signatures are checked). */
  s3Fetch: S3Fetch = (url, init) => fetch(url, init);
  /**
   * Whether the caller of request `requestId` may make the calls EB makes behind an environment
   * operation (auth/eb-service-calls.ts): the ERROR event to write when not, else undefined.
   */
  serviceCallDenial: (requestId: string, env: Environment, op: ServiceOperation) => string | undefined = () => undefined;

  constructor(
    readonly state: EbState,
    readonly clock: Clock,
    readonly faults: FaultState,
    readonly s3Endpoint: string,
    readonly dataDir: string,
    readonly host = '127.0.0.1',
  ) {
    this.sampleDir = path.join(dataDir, 'sample-app');
    this.images = new ImageCache(path.join(dataDir, 'images'));
  }

  /** EB's health agent reports every 10 s. */
  get reportIntervalMs(): number {
    return this.clock.ms(10, 20);
  }

  /** How long a process that does not answer at all is left Pending (processes start in real time). */
  get graceMs(): number {
    return Math.max(this.clock.ms(60), 3000);
  }

  async start(): Promise<void> {
    await mkdir(this.sampleDir, { recursive: true });
    await writeFile(path.join(this.sampleDir, 'Procfile'), 'web: node app.mjs\n');
    await writeFile(path.join(this.sampleDir, 'app.mjs'), SAMPLE_APP);
    this.ticker = setInterval(() => void this.tick(), this.reportIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    const running = this.state.environments.flatMap((e) => (e.operation ? [e.operation] : []));
    for (const op of running) op.controller.abort(new Error('emulator stopping'));
    // Operations end at their next await once aborted; a process start already under way is
    // refused by terminate() below, whichever comes first.
    await Promise.race([Promise.all(running.map((op) => op.done)), sleepMs(2000)]);
    const all = this.state.environments.flatMap((e) => [...e.instances, ...e.temporaryInstances]);
    await Promise.all([...all.map((i) => i.terminate(1000)), ...this.state.environments.map((e) => e.lb.stop())]);
  }

  event(env: Environment | undefined, message: string, severity: Severity = 'INFO', extra: { requestId?: string; label?: string; app?: string } = {}): void {
    this.state.addEvent({
      message,
      severity,
      ...(env ? { app: env.app, env: env.name } : {}),
      ...(env?.versionLabel !== undefined ? { label: env.versionLabel } : {}),
      ...extra,
    });
  }

  /** Processing as EB does it: download, unzip, validate; Processed or Failed. Idempotent. */
  processVersion(version: AppVersion, requestId?: string): Promise<void> {
    if (version.status === 'Processed' || version.status === 'Failed') return Promise.resolve();
    version.processing ??= (async () => {
      version.status = 'Processing';
      version.updated = new Date();
      await this.clock.sleep(5);
      try {
        const injected = this.faults.processingFailure(version.label);
        if (injected) throw new BundleError(injected);
        if (version.source) {
          // On disk, never whole in memory: a 1 GiB bundle is a file here and a stream everywhere else.
          const file = path.join(this.dataDir, 'bundles', `${randomUUID()}.zip`);
          try {
            await downloadBundle(this.s3Endpoint, version.source.bucket, version.source.key, file, undefined, this.s3Fetch);
            version.bundle = { info: await processBundleFile(file, version.label), file };
          } catch (err) {
            await rm(file, { force: true });
            throw err;
          }
        }
        version.status = 'Processed';
      } catch (err) {
        version.status = 'Failed';
        version.failure = err instanceof BundleError ? err.message : `Unable to process the source bundle: ${(err as Error).message}`;
        this.state.addEvent({
          message: `Failed to process application version ${version.label}: ${version.failure}`,
          severity: 'ERROR',
          app: version.app,
          label: version.label,
          ...(requestId ? { requestId } : {}),
        });
      }
      version.updated = new Date();
      delete version.processing;
    })();
    return version.processing;
  }

  /** Forgets a deleted version's bundle file. */
  async discardBundle(version: AppVersion): Promise<void> {
    if (version.bundle) await rm(version.bundle.file, { force: true });
  }

  bundleInfo(version: AppVersion | undefined): BundleInfo {
    return version?.bundle?.info ?? { webCommand: 'node app.mjs', docker: false, optionSettings: [] };
  }

  /** Unpacks `version` on the instance and (re)starts its web process. */
  async runOn(instance: Instance, version: AppVersion | undefined, config: EnvironmentConfig, deploymentId: number): Promise<void> {
    let bundleDir = this.sampleDir;
    if (version?.bundle) {
      bundleDir = path.join(instance.dir, `app-${deploymentId}`);
      await extractZip(version.bundle.file, bundleDir);
    }
    const info = this.bundleInfo(version);
    if (info.docker) return this.runContainerOn(instance, version?.label, bundleDir, info, config, deploymentId);
    const { webCommand } = info;
    await instance.start({
      ...(version ? { versionLabel: version.label } : {}),
      deploymentId,
      bundleDir,
      ...(webCommand ? { webCommand } : {}),
      env: { ...config.envVars, ...this.faults.appFaultEnv(version?.label) },
      healthCheckPath: config.healthCheckPath,
    });
  }

  /**
   * EB's Docker platform on one instance (Amazon Linux 2023, Dockerrun v1): prebuild hooks, pull the
   * image, predeploy hooks, replace the running container, postdeploy hooks. The old container keeps
   * running until the new image is there, so a failed pull leaves the instance serving what it was.
   * Throws CommandFailure when any step fails; the instance's deployment is then Failed.
   */
  private async runContainerOn(instance: Instance, label: string | undefined, bundleDir: string, info: BundleInfo, config: EnvironmentConfig, deploymentId: number): Promise<void> {
    const hooks = (stage: HookStage, binDir?: string): Promise<string[]> =>
      runHooks({ bundleDir, stage, logFile: path.join(instance.dir, 'eb-hooks.log'), timeoutMs: this.clock.ms(config.commandTimeout, 60_000), ...(binDir ? { binDir } : {}) });
    try {
      const dockerrun = info.dockerrun;
      if (!dockerrun) throw new CommandFailure('Instance deployment failed. For details, see \'eb-engine.log\'.', info.dockerProblem ?? 'no Dockerrun.aws.json');
      await hooks('prebuild');
      const image = await this.images.prepare(dockerrun.image);
      await hooks('predeploy');
      const env = { ...config.envVars, ...this.faults.appFaultEnv(label) };
      const logs = path.join(instance.dir, 'container-logs');
      if (dockerrun.logging) await mkdir(logs, { recursive: true });
      await instance.start({
        ...(label !== undefined ? { versionLabel: label } : {}),
        deploymentId,
        bundleDir,
        container: {
          imageId: image.id,
          rootfs: image.rootfs,
          config: image.config,
          env,
          containerPort: dockerrun.containerPort,
          mounts: [
            ...dockerrun.volumes.map((v) => ({ source: path.resolve(bundleDir, v.bundlePath), target: v.containerDirectory })),
            ...(dockerrun.logging ? [{ source: logs, target: dockerrun.logging }] : []),
          ],
          egressPorts: loopbackPorts(env),
        },
        env,
        healthCheckPath: config.healthCheckPath,
      });
      const container = instance.container;
      if (container) {
        const bin = path.join(container.paths.dir, 'bin');
        await mkdir(bin, { recursive: true });
        await writeFile(path.join(bin, 'docker'), dockerShim(container.id, container.initPid, container.launch, container.paths.merged));
        await chmod(path.join(bin, 'docker'), 0o755);
        await hooks('postdeploy', bin);
      }
    } catch (err) {
      const failure =
        err instanceof CommandFailure ? err
        : err instanceof ImagePullError ? new CommandFailure('Instance deployment failed to download the Docker image. The deployment failed.', err.message)
        : err instanceof HookError ? new CommandFailure('Instance deployment failed. For details, see \'eb-engine.log\'.', err.message)
        : new CommandFailure('Instance deployment failed. For details, see \'eb-engine.log\'.', (err as Error).message);
      instance.markFailed(failure.message);
      throw failure;
    }
  }

  /** A new instance, added to `into` at once, running `version` after EC2's minute of boot (EB time). */
  async launch(into: Instance[], version: AppVersion | undefined, config: EnvironmentConfig, deploymentId: number, signal?: AbortSignal): Promise<Instance> {
    const id = newInstanceId();
    const instance = new Instance(id, path.join(this.dataDir, 'instances', id)); // instances are local processes: loopback
    instance.beginDeployment(version?.label, deploymentId);
    into.push(instance); // visible (Pending) while it boots
    await this.clock.sleep(60, signal);
    try {
      await this.runOn(instance, version, config, deploymentId);
    } catch (err) {
      // The instance is marked failed (Severe, with the reason): the deployment's health check judges it.
      if (!(err instanceof CommandFailure)) throw err;
    }
    return instance;
  }

  /**
   * Resolves after the next health-agent round: enhanced health reports every 10 s of EB time
   * (EB developer guide, "Enhanced health reporting and monitoring"). Deployments judge batches by these reports.
   */
  nextHealthReport(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = (): void => {
        this.reports.removeEventListener('report', onReport);
        reject(signal?.reason as Error);
      };
      const onReport = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.reports.addEventListener('report', onReport, { once: true });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Waits for every instance's first verdict (no longer Pending): Ok (healthy), any other status, or `timeoutSeconds` of EB time. */
  async waitForVerdict(instances: Instance[], timeoutSeconds: number, signal?: AbortSignal): Promise<WaitOutcome> {
    const deadline = Date.now() + this.clock.ms(timeoutSeconds);
    for (;;) {
      await this.nextHealthReport(signal);
      if (instances.every((i) => i.health.status === 'Ok')) return 'healthy';
      if (instances.every((i) => i.health.status !== 'Pending')) return 'unhealthy';
      if (Date.now() > deadline) return 'timeout';
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.checkAll();
    } catch (err) {
      console.error('eb emulator: health check round failed', err);
    } finally {
      this.ticking = false;
    }
  }

  /** One health-agent round: every instance probed, every environment's health rolled up. */
  private async checkAll(): Promise<void> {
    const timeout = Math.min(2000, Math.max(200, this.clock.ms(5)));
    const live = this.state.liveEnvironments();
    await Promise.all(live.flatMap((e) => [...e.instances, ...e.temporaryInstances]).map((i) => i.check(timeout, this.graceMs)));
    for (const env of live) this.refreshEnvironmentHealth(env);
    this.reports.dispatchEvent(new Event('report'));
  }

  refreshEnvironmentHealth(env: Environment): void {
    const rollup = environmentHealth(env.instances, env.status);
    const before = env.healthStatus;
    env.healthStatus = rollup.status;
    env.health = env.status === 'Launching' ? 'Grey' : rollup.color;
    env.causes = rollup.causes;
    env.healthRefreshedAt = new Date();
    if (before !== rollup.status && env.status !== 'Terminating' && env.status !== 'Terminated') {
      const worse = RANK[rollup.status] > RANK[before];
      const detail = rollup.causes.length > 0 ? ` ${rollup.causes.join(' ')}` : '';
      this.event(env, `Environment health has transitioned from ${before} to ${rollup.status}.${detail}`, worse ? 'WARN' : 'INFO');
    }
  }
}
