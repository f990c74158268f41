// The gate's decisions, as pure functions of what EB (and the health URL) said: no AWS, no time
// source of its own. `evaluateCheck` judges one observation; `GateTracker` turns a sequence of
// them into passed / failed / keep waiting.
import type { MinHealth } from '../config/inputs.js';

export interface InstanceState {
  id: string;
  healthStatus?: string | undefined;
  color?: string | undefined;
  versionLabel?: string | undefined;
}

export interface Observation {
  at: number;
  status: string;
  versionLabel: string | undefined;
  /** Health color: Green, Yellow, Red, Grey. */
  health: string | undefined;
  /** Enhanced health status (Ok, Warning, Degraded...) when enhanced health is on. */
  healthStatus: string | undefined;
  /** Per-instance state; undefined when enhanced health is off (no per-instance versions). */
  instances: InstanceState[] | undefined;
  healthUrl?: { status: number; body: string } | { error: string } | undefined;
  /** EB reported ERROR events during this update. */
  errorEvents: string[];
}

export interface GateExpectation {
  label: string;
  minHealth: MinHealth;
  healthUrlExpectVersion: boolean;
  checkHealthUrl: boolean;
}

type Level = 'ok' | 'warning' | 'bad' | 'unknown';

const ENHANCED: Record<string, Level> = {
  ok: 'ok', info: 'ok', warning: 'warning', degraded: 'bad', severe: 'bad',
  nodata: 'unknown', unknown: 'unknown', pending: 'unknown', suspended: 'bad',
};
const COLOR: Record<string, Level> = { green: 'ok', yellow: 'warning', red: 'bad', grey: 'unknown' };

export function healthLevel(o: Pick<Observation, 'health' | 'healthStatus'>): Level {
  if (o.healthStatus) return ENHANCED[o.healthStatus.toLowerCase()] ?? 'unknown';
  return COLOR[(o.health ?? '').toLowerCase()] ?? 'unknown';
}

function acceptable(level: Level, min: MinHealth): boolean {
  return level === 'ok' || (level === 'warning' && min === 'warning');
}

export function describeHealth(o: Pick<Observation, 'health' | 'healthStatus'>): string {
  return o.healthStatus ? `${o.healthStatus} (${o.health ?? '?'})` : (o.health ?? 'unknown');
}

/** Every reason this observation does not pass; empty = it passes. */
export function evaluateCheck(o: Observation, exp: GateExpectation): string[] {
  const reasons: string[] = [];
  if (o.status !== 'Ready') reasons.push(`status is ${o.status}`);
  if (o.versionLabel !== exp.label) reasons.push(`environment runs "${o.versionLabel ?? 'nothing'}", not "${exp.label}"`);
  if (!acceptable(healthLevel(o), exp.minHealth))
    reasons.push(`health is ${describeHealth(o)}, below ${exp.minHealth === 'ok' ? 'Ok/Green' : 'Warning/Yellow'}`);
  if (o.instances) {
    if (!o.instances.length) reasons.push('no instance reports health yet');
    for (const i of o.instances) {
      if (i.versionLabel !== exp.label) reasons.push(`instance ${i.id} runs "${i.versionLabel ?? 'unknown'}"`);
      else if (!acceptable(healthLevel({ health: i.color, healthStatus: i.healthStatus }), exp.minHealth))
        reasons.push(`instance ${i.id} is ${i.healthStatus ?? i.color ?? 'unknown'}`);
    }
  }
  if (exp.checkHealthUrl) {
    const u = o.healthUrl;
    if (!u) reasons.push('health URL not checked');
    else if ('error' in u) reasons.push(`health URL failed: ${u.error}`);
    else if (u.status !== 200) reasons.push(`health URL answered ${u.status}`);
    else if (exp.healthUrlExpectVersion && !u.body.includes(exp.label)) reasons.push(`health URL does not name "${exp.label}": ${u.body.slice(0, 120)}`);
  }
  return reasons;
}

export type GateState =
  | { kind: 'waiting'; consecutive: number; reasons: string[] }
  | { kind: 'passed' }
  | { kind: 'failed'; reason: string };

export interface GateRules {
  healthyChecks: number;
  /** How long a finished update (Ready, on our label) may keep failing checks before we give up. */
  settleGraceMs: number;
}

export class GateTracker {
  private consecutive = 0;
  private updateSeen = false;
  private readyWrongLabelChecks = 0;
  private failingSince: number | undefined;

  constructor(
    private readonly exp: GateExpectation,
    private readonly rules: GateRules,
    /** EB's answer to UpdateEnvironment already said the update is underway. */
    updateUnderway: boolean,
  ) {
    this.updateSeen = updateUnderway;
  }

  observe(o: Observation): GateState {
    if (o.status !== 'Ready') this.updateSeen = true;
    if (o.status === 'Terminating' || o.status === 'Terminated') return { kind: 'failed', reason: `environment is ${o.status}` };
    const reasons = evaluateCheck(o, this.exp);
    if (!reasons.length) {
      this.consecutive += 1;
      this.failingSince = undefined;
      return this.consecutive >= this.rules.healthyChecks ? { kind: 'passed' } : { kind: 'waiting', consecutive: this.consecutive, reasons };
    }
    this.consecutive = 0;
    if (o.status === 'Ready' && o.versionLabel !== this.exp.label) {
      // EB finished the update on another version: it undid the deploy itself (Immutable,
      // TrafficSplitting) or the deployment failed. Before any sign of an update, allow a few
      // checks for EB to show it has started.
      this.readyWrongLabelChecks += 1;
      if (this.updateSeen || this.readyWrongLabelChecks >= 3)
        return {
          kind: 'failed',
          reason: `Elastic Beanstalk finished the update on "${o.versionLabel ?? 'nothing'}" instead of "${this.exp.label}" (it rolled the deploy back itself or the deployment failed)${o.errorEvents.length ? `: ${o.errorEvents.join(' | ')}` : ''}`,
        };
      return { kind: 'waiting', consecutive: 0, reasons };
    }
    if (o.status === 'Ready') {
      if (o.errorEvents.length) return { kind: 'failed', reason: `the update finished with errors: ${o.errorEvents.join(' | ')}; ${reasons.join('; ')}` };
      this.failingSince ??= o.at;
      if (o.at - this.failingSince >= this.rules.settleGraceMs)
        return { kind: 'failed', reason: `still failing ${Math.round((o.at - this.failingSince) / 1000)} s after the update finished: ${reasons.join('; ')}` };
    } else {
      this.failingSince = undefined;
    }
    return { kind: 'waiting', consecutive: 0, reasons };
  }
}

/** Grace after the update finishes: a quarter of the deadline, between 10 s and 5 min. */
export function settleGraceFor(deployTimeoutMs: number): number {
  return Math.min(300_000, Math.max(10_000, Math.round(deployTimeoutMs / 4)));
}
