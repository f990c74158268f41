// One emulated EC2 instance: a real local process running the bundle's Procfile `web:` command,
// probed over HTTP like EB's health agent and load balancer do.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { sleepMs } from './clock.js';
import { instanceHealth, type CheckResult, type HealthView, type ProbeState } from './health.js';
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
  /** Undefined for a Docker-platform bundle, which cannot run here. */
  webCommand?: string;
  env: Record<string, string>;
  healthCheckPath: string;
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
  private exited: Promise<void> = Promise.resolve();
  /** Terminated for good: a deployment still in flight must not start a process on it. */
  private terminated = false;

  constructor(
    readonly id: string,
    readonly dir: string,
    private readonly host = '127.0.0.1',
  ) {
    this.deployment = { deploymentId: 0, status: 'InProgress', time: new Date() };
    this.probe = Instance.freshProbe(true);
  }

  private static freshProbe(deploying: boolean): ProbeState {
    return { startedAt: Date.now(), deploying, dockerUnsupported: false, everOk: false, consecutiveFailures: 0, recent: [] };
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

  async start(spec: RunSpec): Promise<void> {
    await this.stop();
    this.healthCheckPath = spec.healthCheckPath;
    this.deployment = { ...this.deployment, deploymentId: spec.deploymentId, ...(spec.versionLabel !== undefined ? { versionLabel: spec.versionLabel } : {}) };
    this.probe = Instance.freshProbe(false);
    if (!spec.webCommand) {
      this.probe.dockerUnsupported = true;
      this.deployment = { ...this.deployment, status: 'Failed', time: new Date() };
      return;
    }
    this.port = await freePort(this.host);
    await mkdir(this.dir, { recursive: true });
    if (this.terminated) return;
    const log = openSync(path.join(this.dir, 'web.log'), 'a');
    try {
      const child = spawn('/bin/sh', ['-c', spec.webCommand], {
        cwd: spec.bundleDir,
        env: { ...process.env, ...spec.env, PORT: String(this.port) },
        detached: true, // its own session and process group, so stop() reaches the app's children too
        stdio: ['ignore', log, log],
      });
      this.child = child;
      this.exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          if (this.child === child) this.probe.exit = { code, signal };
          resolve();
        });
        child.once('error', () => resolve());
      });
    } finally {
      closeSync(log);
    }
    this.deployment = { ...this.deployment, status: 'Deployed', time: new Date() };
  }

  /** Stops the instance for good (EC2 terminate): later start() calls do nothing. */
  async terminate(graceMs?: number): Promise<void> {
    this.terminated = true;
    await this.stop(graceMs);
  }

  /** Stops everything the instance's command started (its whole session): SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    this.child = undefined;
    await stopSession(child.pid, graceMs);
    await Promise.race([this.exited, sleepMs(1000)]);
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
