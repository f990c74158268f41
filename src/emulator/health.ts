// Enhanced health as EB computes it: per-instance status from HTTP checks and process liveness,
// rolled up into the environment's HealthStatus, Color and Causes.
export type HealthStatus = 'NoData' | 'Unknown' | 'Pending' | 'Ok' | 'Info' | 'Warning' | 'Degraded' | 'Severe' | 'Suspended';
export type HealthColor = 'Green' | 'Yellow' | 'Red' | 'Grey';

export const HEALTH_STATUSES: readonly HealthStatus[] = ['NoData', 'Unknown', 'Pending', 'Ok', 'Info', 'Warning', 'Degraded', 'Severe'];

const COLORS: Record<HealthStatus, HealthColor> = {
  NoData: 'Grey', Unknown: 'Grey', Pending: 'Grey', Suspended: 'Grey',
  Ok: 'Green', Info: 'Green', Warning: 'Yellow', Degraded: 'Red', Severe: 'Red',
};
export const colorOf = (s: HealthStatus): HealthColor => COLORS[s];

/** How bad a status is, for "has transitioned from X to Y" severity. */
export const RANK: Record<HealthStatus, number> = {
  Ok: 0, Info: 0, Pending: 1, Unknown: 1, NoData: 2, Suspended: 2, Warning: 3, Degraded: 4, Severe: 5,
};

export const NO_WEB_PROCESS =
  'The source bundle has no Procfile with a `web:` command, no Dockerfile and no Dockerrun.aws.json: the emulator cannot tell ' +
  "how to start it (EB platforms' own defaults, such as gunicorn application:application or npm start, are not emulated).";

export interface CheckResult {
  ok: boolean;
  statusCode?: number;
  timedOut?: boolean;
}

/** What an instance's health agent knows; `now` and durations in real milliseconds. */
export interface ProbeState {
  startedAt: number;
  deploying: boolean;
  /** The last deployment command failed on the instance (pull, hook, container start). */
  commandFailure?: string;
  exit?: { code: number | null; signal: string | null };
  everOk: boolean;
  consecutiveFailures: number;
  firstFailureAt?: number;
  recent: CheckResult[];
}

export interface HealthView {
  status: HealthStatus;
  color: HealthColor;
  causes: string[];
}

const view = (status: HealthStatus, causes: string[] = []): HealthView => ({ status, color: colorOf(status), causes });
const secs = (ms: number): number => Math.max(0, Math.round(ms / 1000));

/** Share of answered requests that were 5xx (checks that got no answer at all are not requests served). */
export function fivexxShare(recent: CheckResult[]): number {
  const answered = recent.filter((r) => r.statusCode !== undefined);
  if (answered.length === 0) return 0;
  return (100 * answered.filter((r) => (r.statusCode ?? 0) >= 500).length) / answered.length;
}

/** Failures before an instance is Severe (EB: 3 failed checks) and the start-up grace in ms. */
export function instanceHealth(p: ProbeState, now: number, graceMs: number, failureThreshold = 3): HealthView {
  if (p.exit) {
    const how = p.exit.signal ? `was killed by ${p.exit.signal}` : `exited with code ${String(p.exit.code)}`;
    return view('Severe', ['Following services are not running: web.', `The web process ${how}.`]);
  }
  // EB: an instance whose last deployment failed is Severe even while its previous version still answers.
  if (p.commandFailure) return view('Severe', [`Application deployment failed: ${p.commandFailure}`]);
  if (p.deploying) return view('Pending', [`Performing application deployment (running for ${secs(now - p.startedAt)} seconds).`]);
  // A process that does not answer yet may still be starting; one that answers with an error is judged at once.
  const starting = !p.everOk && p.consecutiveFailures > 0 && now - p.startedAt < graceMs && !p.recent.some((r) => r.statusCode !== undefined);
  if (p.recent.length === 0 || starting) {
    return view('Pending', [`Instance ELB health has not been available for ${secs(now - p.startedAt)} seconds.`]);
  }
  if (p.consecutiveFailures === 0) return view('Ok');
  const last = p.recent[p.recent.length - 1];
  // The load balancer's reason codes: an answer with the wrong status, no answer in time, no connection.
  const reason = last?.statusCode !== undefined ? 'Target.ResponseCodeMismatch' : last?.timedOut ? 'Target.Timeout' : 'Target.FailedHealthChecks';
  const causes: string[] = [];
  const share = fivexxShare(p.recent);
  if (share > 0) causes.push(`${share.toFixed(1)} % of the requests are failing with HTTP 5xx.`);
  causes.push(`Process default has been unhealthy for ${secs(now - (p.firstFailureAt ?? now))} seconds (${reason}).`);
  if (p.consecutiveFailures >= failureThreshold) return view('Severe', causes);
  return view(p.everOk ? 'Warning' : 'Pending', causes);
}

export interface InstanceForRollup {
  health: HealthView;
  probe: ProbeState;
}

const onInstances = (k: number, n: number): string => (k === n ? 'all instances' : `${k} out of ${n} instances`);

export function environmentHealth(
  instances: InstanceForRollup[],
  envStatus: 'Launching' | 'Updating' | 'Ready' | 'Terminating' | 'Terminated',
): HealthView & { counts: Record<HealthStatus, number> } {
  const counts = Object.fromEntries(HEALTH_STATUSES.map((s) => [s, 0])) as Record<HealthStatus, number>;
  for (const i of instances) counts[i.health.status]++;
  const n = instances.length;
  const withCounts = (v: HealthView): HealthView & { counts: Record<HealthStatus, number> } => ({ ...v, counts });
  if (envStatus === 'Terminated' || envStatus === 'Terminating') return withCounts(view('Unknown'));
  if (n === 0) return withCounts(view(envStatus === 'Launching' ? 'Pending' : 'NoData', envStatus === 'Launching' ? [] : ['None of the instances are sending data.']));

  const severe = instances.filter((i) => i.health.status === 'Severe' || i.health.status === 'Degraded');
  const dead = severe.filter((i) => i.probe.exit).length;
  const failedCommand = severe.filter((i) => !i.probe.exit && i.probe.commandFailure).length;
  const elbBad = severe.length - dead - failedCommand;
  const deploying = instances.filter((i) => i.probe.deploying).length;
  if (severe.length > 0) {
    const causes: string[] = [];
    if (elbBad > 0) causes.push(`ELB processes are not healthy on ${onInstances(elbBad, n)}.`);
    if (dead > 0) causes.push(`Impaired services on ${onInstances(dead, n)}.`);
    if (failedCommand > 0) causes.push(`Command failed on ${onInstances(failedCommand, n)}.`);
    if (severe.length === n) causes.push('ELB health is failing or not available for all instances.');
    const share = fivexxShare(instances.flatMap((i) => i.probe.recent));
    if (share > 0) causes.push(`${share.toFixed(1)} % of the requests are failing with HTTP 5xx.`);
    const status: HealthStatus = severe.length === n ? 'Severe' : severe.length * 2 >= n ? 'Degraded' : 'Warning';
    return withCounts(view(status, causes));
  }
  const warning = counts.Warning;
  if (warning > 0) return withCounts(view('Warning', [`ELB processes are failing health checks on ${onInstances(warning, n)}.`]));
  const busy = Math.max(deploying, counts.Pending);
  if (envStatus === 'Updating' && busy > 0) return withCounts(view('Info', [`Command is executing on ${onInstances(busy, n)}.`]));
  if (counts.Ok === 0) return withCounts(view('Pending', envStatus === 'Launching' ? [] : ['None of the instances are sending data.']));
  if (counts.Pending > 0) return withCounts(view(envStatus === 'Updating' ? 'Info' : 'Ok', []));
  return withCounts(view('Ok'));
}
