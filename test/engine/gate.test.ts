import { describe, expect, it } from 'vitest';
import { GateTracker, evaluateCheck, healthLevel, settleGraceFor, type GateExpectation, type Observation } from '../../src/eb/gate.js';

const exp: GateExpectation = { label: 'v2', minHealth: 'ok', healthUrlExpectVersion: false, checkHealthUrl: false };

function obs(over: Partial<Observation> = {}): Observation {
  return {
    at: 0,
    status: 'Ready',
    versionLabel: 'v2',
    health: 'Green',
    healthStatus: 'Ok',
    instances: [{ id: 'i-1', healthStatus: 'Ok', color: 'Green', versionLabel: 'v2' }],
    errorEvents: [],
    ...over,
  };
}

describe('evaluateCheck', () => {
  it('passes a Ready, Ok environment whose every instance runs the new label', () => {
    expect(evaluateCheck(obs(), exp)).toEqual([]);
  });

  it('names every reason a check fails', () => {
    const reasons = evaluateCheck(obs({ status: 'Updating', versionLabel: 'v1', healthStatus: 'Severe', health: 'Red' }), exp);
    expect(reasons).toEqual([
      'status is Updating',
      'environment runs "v1", not "v2"',
      'health is Severe (Red), below Ok/Green',
    ]);
  });

  it('refuses mixed versions across instances (Rolling, mid-way)', () => {
    const reasons = evaluateCheck(
      obs({ instances: [{ id: 'i-1', versionLabel: 'v2', healthStatus: 'Ok' }, { id: 'i-2', versionLabel: 'v1', healthStatus: 'Ok' }] }),
      exp,
    );
    expect(reasons).toEqual(['instance i-2 runs "v1"']);
  });

  it('accepts Warning/Yellow only when min-health is warning', () => {
    const yellow = obs({ healthStatus: 'Warning', health: 'Yellow', instances: [{ id: 'i-1', healthStatus: 'Warning', versionLabel: 'v2' }] });
    expect(evaluateCheck(yellow, exp)).toContain('health is Warning (Yellow), below Ok/Green');
    expect(evaluateCheck(yellow, { ...exp, minHealth: 'warning' })).toEqual([]);
    expect(evaluateCheck(obs({ healthStatus: 'Degraded', health: 'Red' }), { ...exp, minHealth: 'warning' })).toHaveLength(1);
  });

  it('gates on the Health colour alone when enhanced health is off', () => {
    const basic = obs({ healthStatus: undefined, instances: undefined });
    expect(evaluateCheck(basic, exp)).toEqual([]);
    expect(evaluateCheck({ ...basic, health: 'Grey' }, exp)).toEqual(['health is Grey, below Ok/Green']);
    expect(healthLevel({ health: 'Yellow', healthStatus: undefined })).toBe('warning');
  });

  it('checks the health URL status and, when asked, that it names the version', () => {
    const withUrl = { ...exp, checkHealthUrl: true, healthUrlExpectVersion: true };
    expect(evaluateCheck(obs({ healthUrl: { status: 200, body: '{"version":"v2"}' } }), withUrl)).toEqual([]);
    expect(evaluateCheck(obs({ healthUrl: { status: 200, body: '{"version":"v1"}' } }), withUrl)).toEqual([
      'health URL does not name "v2": {"version":"v1"}',
    ]);
    expect(evaluateCheck(obs({ healthUrl: { status: 502, body: '' } }), withUrl)).toEqual(['health URL answered 502']);
    expect(evaluateCheck(obs({ healthUrl: { error: 'ECONNREFUSED' } }), withUrl)).toEqual(['health URL failed: ECONNREFUSED']);
  });
});

describe('GateTracker', () => {
  const rules = { healthyChecks: 3, settleGraceMs: 60_000 };

  it('passes only after N consecutive passing checks, and a failing check resets the count', () => {
    const g = new GateTracker(exp, rules, true);
    expect(g.observe(obs({ at: 1 }))).toMatchObject({ kind: 'waiting', consecutive: 1 });
    expect(g.observe(obs({ at: 2 }))).toMatchObject({ kind: 'waiting', consecutive: 2 });
    expect(g.observe(obs({ at: 3, healthStatus: 'Warning', health: 'Yellow' }))).toMatchObject({ kind: 'waiting', consecutive: 0 });
    expect(g.observe(obs({ at: 4 }))).toMatchObject({ kind: 'waiting', consecutive: 1 });
    expect(g.observe(obs({ at: 5 }))).toMatchObject({ kind: 'waiting', consecutive: 2 });
    expect(g.observe(obs({ at: 6 }))).toEqual({ kind: 'passed' });
  });

  it('keeps waiting while the update is in progress, however long (the deadline decides)', () => {
    const g = new GateTracker(exp, rules, true);
    for (let t = 0; t < 3_600_000; t += 10_000)
      expect(g.observe(obs({ at: t, status: 'Updating', versionLabel: 'v1', healthStatus: 'Severe' })).kind).toBe('waiting');
  });

  it('fails when EB finishes the update on the old version (Immutable undoing the deploy)', () => {
    const g = new GateTracker(exp, rules, true);
    g.observe(obs({ status: 'Updating', versionLabel: 'v1' }));
    const state = g.observe(obs({ status: 'Ready', versionLabel: 'v1', healthStatus: 'Ok' }));
    expect(state.kind).toBe('failed');
    expect(state.kind === 'failed' && state.reason).toMatch(/finished the update on "v1" instead of "v2"/);
  });

  it('gives EB three checks to show an update started before calling a Ready-on-old environment a failure', () => {
    const g = new GateTracker(exp, rules, false);
    const old = obs({ versionLabel: 'v1' });
    expect(g.observe(old).kind).toBe('waiting');
    expect(g.observe(old).kind).toBe('waiting');
    expect(g.observe(old).kind).toBe('failed');
  });

  it('fails a finished update that stays unhealthy past the settle grace, not before', () => {
    const g = new GateTracker(exp, rules, true);
    const red = (at: number) => obs({ at, healthStatus: 'Severe', health: 'Red', instances: [{ id: 'i-1', versionLabel: 'v2', healthStatus: 'Severe' }] });
    expect(g.observe(red(0)).kind).toBe('waiting');
    expect(g.observe(red(59_999)).kind).toBe('waiting');
    const state = g.observe(red(60_000));
    expect(state.kind).toBe('failed');
    expect(state.kind === 'failed' && state.reason).toMatch(/still failing 60 s after the update finished: health is Severe/);
  });

  it('fails at once when the finished update came with ERROR events', () => {
    const g = new GateTracker(exp, rules, true);
    const state = g.observe(obs({ healthStatus: 'Severe', health: 'Red', errorEvents: ['Failed to deploy application.'] }));
    expect(state).toMatchObject({ kind: 'failed' });
    expect(state.kind === 'failed' && state.reason).toMatch(/Failed to deploy application/);
  });

  it('fails on a terminating environment', () => {
    expect(new GateTracker(exp, rules, true).observe(obs({ status: 'Terminating' })).kind).toBe('failed');
  });

  it('scales the settle grace with the deadline, within bounds', () => {
    expect(settleGraceFor(20 * 60_000)).toBe(300_000);
    expect(settleGraceFor(30_000)).toBe(10_000);
    expect(settleGraceFor(120_000)).toBe(30_000);
  });
});
