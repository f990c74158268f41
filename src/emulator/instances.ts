// One emulated EC2 instance: a real local process running the bundle's Procfile `web:` command, or
// (Docker platform) the image named by Dockerrun.aws.json in namespaces of its own (container.ts),
// probed over HTTP like EB's health agent and load balancer do.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleepMs } from './clock.js';
import { Bridges, containerInitPid, containerPaths, containerScript, socketPathFits, type ContainerLaunch, type ContainerPaths } from './container.js';
import { instanceHealth, NO_WEB_PROCESS, type CheckResult, type HealthView, type ProbeState } from './health.js';
import { stopSession } from './process-tree.js';

export interface Deployment {
  versionLabel?: string;
  deploymentId: number;
  status: 'InProgress' | 'Deployed' | 'Failed';
  time: Date;
}

export interface RunSpec {
  versionLabel?: string;
  deploymentId: number;
  /** The unpacked bundle: the process's cwd. */
  bundleDir: string;
  /** The Procfile's `web:` command (PORT set), or */
  webCommand?: string;
  /** the Docker platform's container. */
  container?: ContainerLaunch;
  env: Record<string, string>;
  healthCheckPath: string;
}

/** The deployment command failed on the instance (EB: "Command failed on instance"). */
export class CommandFailure extends Error {
  constructor(
    /** The deployment event EB shows, e.g. "Instance deployment failed to download the Docker image. The deployment failed." */
    readonly summary: string,
    /** What the engine log would say. */
    detail: string,
  ) {
    super(detail);
  }
}

/** A running container: what platform hooks' `docker exec` needs, and what stop() releases. */
export interface RunningContainer {
  id: string;
  initPid: number;
  paths: ContainerPaths;
  launch: ContainerLaunch;
  bridges: Bridges;
}

export const newInstanceId = (): string => `i-${randomBytes(9).toString('hex').slice(0, 17)}`;

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class Instance {
  readonly launchedAt = new Date();
  port = 0;
  deployment: Deployment;
  healthCheckPath = '/';
  probe: ProbeState;
  health: HealthView = { status: 'Pending', color: 'Grey', causes: [] };
  private child: ChildProcess | undefined;
  container: RunningContainer | undefined;
  private containers = 0;
  private exited: Promise<void> = Promise.resolve();
  private queue: Promise<unknown> = Promise.resolve();
  /** Terminated for good: a deployment still in flight must not start a process on it. */
  private terminated = false;
  /** The web process's own TMPDIR (an instance's private /tmp), removed when it stops, whatever it left there. */
  private processTmp: string | undefined;

  constructor(
    readonly id: string,
    readonly dir: string,
    private readonly host = '127.0.0.1',
  ) {
    this.deployment = { deploymentId: 0, status: 'InProgress', time: new Date() };
    this.probe = Instance.freshProbe(true);
  }

  private static freshProbe(deploying: boolean): ProbeState {
    return { startedAt: Date.now(), deploying, everOk: false, consecutiveFailures: 0, recent: [] };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && !this.probe.exit;
  }

  /** Behind the load balancer: the process runs and the last health check passed. */
  get inService(): boolean {
    return this.running && !this.probe.deploying && this.probe.consecutiveFailures === 0 && this.probe.everOk;
  }

  /** Marks the instance as being deployed to (health Pending) before its process is replaced. */
  beginDeployment(versionLabel: string | undefined, deploymentId: number): void {
    this.deployment = { ...(versionLabel !== undefined ? { versionLabel } : {}), deploymentId, status: 'InProgress', time: new Date() };
    this.probe = Instance.freshProbe(true);
  }

  /** What start() was last given: restart() runs it again (RestartAppServer). */
  private lastSpec: RunSpec | undefined;

  /** Restarts the web process (or container) with what it last ran. */
  async restart(): Promise<void> {
    if (this.lastSpec) await this.start(this.lastSpec);
  }

  /**
   * Starts and stops run one at a time: an aborted deployment's start still in flight and the
   * restore (or emulator shutdown) after it must not both leave a process or container running.
   */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  start(spec: RunSpec): Promise<void> {
    return this.serial(() => this.startNow(spec));
  }

  private async startNow(spec: RunSpec): Promise<void> {
    this.lastSpec = spec;
    await this.stopNow();
    if (this.terminated) return;
    this.healthCheckPath = spec.healthCheckPath;
    this.deployment = { ...this.deployment, deploymentId: spec.deploymentId, ...(spec.versionLabel !== undefined ? { versionLabel: spec.versionLabel } : {}) };
    this.probe = Instance.freshProbe(false);
    if (spec.container) return this.startContainer(spec.container);
    if (!spec.webCommand) {
      this.markFailed(NO_WEB_PROCESS);
      throw new CommandFailure('Instance deployment failed. For details, see \'eb-engine.log\'.', NO_WEB_PROCESS);
    }
    this.port = await freePort(this.host);
    await mkdir(this.dir, { recursive: true });
    this.processTmp = await mkdtemp(path.join(tmpdir(), 'eb-instance-'));
    if (this.terminated) return;
    // Detached: its own session and process group, so stop() reaches the app's children too.
    this.spawnLogged('/bin/sh', ['-c', spec.webCommand], { cwd: spec.bundleDir, env: { ...process.env, ...spec.env, PORT: String(this.port), TMPDIR: this.processTmp } });
    this.deployment = { ...this.deployment, status: 'Deployed', time: new Date() };
  }

  private spawnLogged(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
    const log = openSync(path.join(this.dir, 'web.log'), 'a');
    try {
      const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', log, log] });
      this.child = child;
      this.exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          if (this.child === child) this.probe.exit = { code, signal };
          resolve();
        });
        child.once('error', () => resolve());
      });
      return child;
    } finally {
      closeSync(log);
    }
  }

  /** Starts the image in fresh namespaces; resolves once its mounts are up and its command starts. */
  private async startContainer(launch: ContainerLaunch): Promise<void> {
    this.port = await freePort(this.host);
    const dir = path.join(this.dir, `c${++this.containers}`);
    await mkdir(dir, { recursive: true });
    if (this.terminated) return;
    const paths = containerPaths(dir, socketPathFits(dir) ? dir : await mkdtemp('/tmp/eb-emulator-sockets-'));
    const id = `${launch.imageId.slice(0, 4)}${this.id.slice(2, 10)}${String(this.containers).padStart(4, '0')}`.padEnd(64, '0');
    // Registered before anything listens or runs, so stopNow() (queued after this start) releases whatever of it exists.
    const bridges = new Bridges();
    this.container = { id, initPid: 0, paths, launch, bridges };
    await bridges.ingress(this.host, this.port, paths.ingressSocket);
    for (const port of launch.egressPorts) await bridges.egress(paths.egressSocket(port), port);
    const script = path.join(paths.dir, 'start.sh');
    await writeFile(script, containerScript(launch, paths));
    const child = this.spawnLogged('unshare', ['--mount', '--net', '--pid', '--fork', '--kill-child', 'sh', script], { cwd: paths.dir, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } });
    for (let waited = 0; !existsSync(paths.readyFile); waited += 50) {
      if (this.probe.exit || child.exitCode !== null || waited > 30_000) {
        const log = readFileSync(path.join(this.dir, 'web.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
        throw new CommandFailure('Instance deployment failed. For details, see \'eb-engine.log\'.', `The container of image ${launch.imageId.slice(0, 12)} did not start: ${log}`);
      }
      await sleepMs(50);
    }
    this.container.initPid = (child.pid !== undefined ? containerInitPid(child.pid) : undefined) ?? 0;
    this.deployment = { ...this.deployment, status: 'Deployed', time: new Date() };
  }

  /** The deployment command failed: the previous process (if any) keeps running and serving, the deployment is Failed. */
  markFailed(message: string): void {
    this.probe = { ...Instance.freshProbe(false), commandFailure: message, ...(this.probe.exit ? { exit: this.probe.exit } : {}) };
    this.deployment = { ...this.deployment, status: 'Failed', time: new Date() };
  }

  /** Stops the instance for good (EC2 terminate): later start() calls do nothing. */
  async terminate(graceMs?: number): Promise<void> {
    this.terminated = true;
    await this.stop(graceMs);
  }

  /** Stops everything the instance's command started (its whole session): SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs = 3000): Promise<void> {
    return this.serial(() => this.stopNow(graceMs));
  }

  private async stopNow(graceMs = 3000): Promise<void> {
    const child = this.child;
    const container = this.container;
    const processTmp = this.processTmp;
    this.child = undefined;
    this.container = undefined;
    this.processTmp = undefined;
    if (child?.pid) {
      await stopSession(child.pid, graceMs);
      await Promise.race([this.exited, sleepMs(1000)]);
    }
    // What the process left in its temporary directory (sockets, run dirs) goes with it, even after a SIGKILL.
    if (processTmp) await rm(processTmp, { recursive: true, force: true });
    if (container) {
      // The namespaces and mounts died with the container's last process; its writable layer goes now.
      await container.bridges.close();
      await rm(container.paths.dir, { recursive: true, force: true });
      await rm(container.paths.socketDir, { recursive: true, force: true });
    }
  }

  /** One health check of HealthCheckPath, as the load balancer does it. */
  async check(timeoutMs: number, graceMs: number): Promise<HealthView> {
    if (this.running && !this.probe.deploying) {
      const result = await httpCheck(`http://${this.host}:${this.port}${this.healthCheckPath}`, timeoutMs);
      const p = this.probe;
      p.recent = [...p.recent, result].slice(-12);
      if (result.ok) {
        p.everOk = true;
        p.consecutiveFailures = 0;
        delete p.firstFailureAt;
      } else {
        p.consecutiveFailures++;
        p.firstFailureAt ??= Date.now();
      }
    }
    this.health = instanceHealth(this.probe, Date.now(), graceMs);
    return this.health;
  }

  /** Re-evaluates health without probing (e.g. right after a deployment step). */
  refreshHealth(graceMs: number): HealthView {
    this.health = instanceHealth(this.probe, Date.now(), graceMs);
    return this.health;
  }
}

async function httpCheck(url: string, timeoutMs: number): Promise<CheckResult> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.arrayBuffer();
    return { ok: res.status >= 200 && res.status < 400, statusCode: res.status };
  } catch (err) {
    const name = (err as Error).name;
    return { ok: false, timedOut: name === 'TimeoutError' || name === 'AbortError' };
  }
}
