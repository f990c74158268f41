// The gate's decisions, as pure functions of what EB (and the health URL) said: no AWS, no time
// source of its own. `evaluateCheck` judges one observation; `GateTracker` turns a sequence of
// them into passed / failed / keep waiting.
import type { MinHealth } from '../config/inputs.js';
import { ownValue } from '../config/parse.js';

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
  /** The instances were read on this check (or there are none to read: enhanced health is off). */
  fullCheck: boolean;
  /** False when enhanced health is off (no RefreshedAt, no per-instance state). */
  enhanced: boolean | undefined;
  /** RefreshedAt of the EB health report this check read (enhanced health), ms since the epoch. */
  reportAt?: number | undefined;
  /** An operation on the environment this run did not start (its events carry another RequestId). */
  foreignUpdate?: { requestId: string } | undefined;
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

/** The level of a health EB reported; a name EB never uses (`constructor`, `__proto__`...) is unknown. */
export function healthLevel(o: Pick<Observation, 'health' | 'healthStatus'>): Level {
  if (o.healthStatus) return ownValue(ENHANCED, o.healthStatus.toLowerCase()) ?? 'unknown';
  return ownValue(COLOR, (o.health ?? '').toLowerCase()) ?? 'unknown';
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
  | { kind: 'waiting'; reasons: string[] }
  /** Every check has passed since `since`: health is holding, the stability window is running. */
  | { kind: 'holding'; since: number; checks: number; reports: number }
  | { kind: 'passed'; heldMs: number; checks: number; reports: number }
  | { kind: 'failed'; reason: string; wentLive: boolean }
  /** Another actor's update took the environment over (`label` once known): not ours to judge or undo. */
  | { kind: 'superseded'; label: string | undefined; requestId: string; reason: string };

export interface GateRules {
  /** Passing checks the window needs at least. */
  healthyChecks: number;
  /** How long every check must pass after the first passing one (two EB health reports at least, too). */
  stableMs: number;
  /** After the update finished: how long health may stay below min-health without being bad. */
  settleTimeoutMs: number;
  /** After the update finished: extra time a bad release (Severe/Degraded) gets beyond two consecutive reports. */
  unhealthyGraceMs: number;
}

/** EB's enhanced health agent reports every 10 s (EB developer guide, "Enhanced health reporting"). */
export const HEALTH_REPORT_MS = 10_000;

/** Severe/Degraded/Red on the environment, or every instance Severe/Degraded. */
export function badHealth(o: Observation): boolean {
  if (healthLevel(o) === 'bad') return true;
  const instances = o.instances ?? [];
  return instances.length > 0 && instances.every((i) => healthLevel({ health: i.color, healthStatus: i.healthStatus }) === 'bad');
}

const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;

/**
 * Passed / failed / superseded / keep waiting, from a sequence of observations. After the update
 * finishes on our label: the gate passes once every check for `stableMs` (and over two EB health
 * reports) passed — any failing check inside that window fails it; a release bad in two
 * consecutive health reports fails at once (plus `unhealthyGraceMs`); anything else short of
 * healthy is given `settleTimeoutMs`.
 */
export class GateTracker {
  private updateSeen = false;
  private readyWrongLabelChecks = 0;
  /** The environment was seen Ready on our label: the release went live. */
  wentLive = false;
  private windowStart: number | undefined;
  private windowChecks = 0;
  private readonly windowReports = new Set<number>();
  private readonly badReports = new Set<number>();
  private badSince: number | undefined;
  private settleSince: number | undefined;

  constructor(
    private readonly exp: GateExpectation,
    private readonly rules: GateRules,
    /** EB's answer to UpdateEnvironment already said the update is underway. */
    updateUnderway: boolean,
  ) {
    this.updateSeen = updateUnderway;
  }

  /** When the window ends (undefined before it starts). */
  windowEndsAt(): number | undefined {
    return this.windowStart === undefined ? undefined : this.windowStart + this.rules.stableMs;
  }

  holding(): boolean {
    return this.windowStart !== undefined;
  }

  private resetWindow(): void {
    this.windowStart = undefined;
    this.windowChecks = 0;
    this.windowReports.clear();
  }

  observe(o: Observation): GateState {
    if (o.status !== 'Ready') this.updateSeen = true;
    if (o.status === 'Ready' && o.versionLabel === this.exp.label) this.wentLive = true;
    if (o.status === 'Terminating' || o.status === 'Terminated') return this.fail(`environment is ${o.status}`);
    if (o.foreignUpdate) return this.foreign(o, o.foreignUpdate);
    const reasons = evaluateCheck(o, this.exp);
    if (!reasons.length) return this.passing(o);
    if (this.windowStart !== undefined) {
      const into = o.at - this.windowStart;
      return this.fail(`health did not hold: ${reasons.join('; ')} (${secs(into)} into the ${secs(this.rules.stableMs)} stability window)`);
    }
    if (o.status === 'Ready' && o.versionLabel !== this.exp.label) {
      // EB finished the update on another version: it undid the deploy itself (Immutable,
      // TrafficSplitting) or the deployment failed. Before any sign of an update, allow a few
      // checks for EB to show it has started.
      this.readyWrongLabelChecks += 1;
      if (this.updateSeen || this.readyWrongLabelChecks >= 3)
        return this.fail(
          `Elastic Beanstalk finished the update on "${o.versionLabel ?? 'nothing'}" instead of "${this.exp.label}" (it rolled the deploy back itself or the deployment failed)${o.errorEvents.length ? `: ${o.errorEvents.join(' | ')}` : ''}`,
        );
      return { kind: 'waiting', reasons };
    }
    if (o.status === 'Ready') return this.settling(o, reasons);
    this.settleSince = undefined;
    this.badReports.clear();
    this.badSince = undefined;
    return { kind: 'waiting', reasons };
  }

  private fail(reason: string): GateState {
    return { kind: 'failed', reason, wentLive: this.wentLive };
  }

  private foreign(o: Observation, f: NonNullable<Observation['foreignUpdate']>): GateState {
    this.resetWindow();
    const other = o.versionLabel !== this.exp.label ? o.versionLabel : undefined;
    const reason = other
      ? `superseded by "${other}": another update of the environment (request ${f.requestId}) replaced "${this.exp.label}" while this run was gating it`
      : `superseded: another operation on the environment (request ${f.requestId}) started while this run was gating "${this.exp.label}"`;
    return { kind: 'superseded', label: other, requestId: f.requestId, reason };
  }

  private passing(o: Observation): GateState {
    this.settleSince = undefined;
    this.badReports.clear();
    this.badSince = undefined;
    this.windowStart ??= o.at;
    this.windowChecks += 1;
    if (o.reportAt !== undefined) this.windowReports.add(o.reportAt);
    const heldMs = o.at - this.windowStart;
    // Without enhanced health there is no RefreshedAt: the window's time alone must pass.
    const reports = this.windowReports.size;
    const enoughReports = o.enhanced === false || this.windowReports.size >= 2;
    if (o.fullCheck && heldMs >= this.rules.stableMs && enoughReports && this.windowChecks >= this.rules.healthyChecks)
      return { kind: 'passed', heldMs, checks: this.windowChecks, reports };
    return { kind: 'holding', since: this.windowStart, checks: this.windowChecks, reports };
  }

  /** Ready on our label, not passing, before the window: bad in two reports fails now; else settle. */
  private settling(o: Observation, reasons: string[]): GateState {
    if (o.errorEvents.length) return this.fail(`the update finished with errors: ${o.errorEvents.join(' | ')}; ${reasons.join('; ')}`);
    this.settleSince ??= o.at;
    if (badHealth(o)) {
      this.badSince ??= o.at;
      // A health report is told by its RefreshedAt; without enhanced health, by time.
      const key = o.reportAt ?? this.badSince + Math.floor((o.at - this.badSince) / HEALTH_REPORT_MS) * HEALTH_REPORT_MS;
      this.badReports.add(key);
      if (this.badReports.size >= 2 && o.at - this.badSince >= this.rules.unhealthyGraceMs)
        return this.fail(`unhealthy in ${this.badReports.size} consecutive EB health reports after the update finished: ${reasons.join('; ')}`);
    } else if (o.fullCheck) {
      this.badReports.clear();
      this.badSince = undefined;
    }
    if (o.at - this.settleSince >= this.rules.settleTimeoutMs)
      return this.fail(`still failing ${secs(o.at - this.settleSince)} after the update finished (settle-timeout): ${reasons.join('; ')}`);
    return { kind: 'waiting', reasons };
  }
}
