import { describe, expect, it } from 'vitest';
import { GateTracker, evaluateCheck, healthLevel, type GateExpectation, type GateRules, type Observation } from '../../src/eb/gate.js';

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
    fullCheck: true,
    enhanced: true,
    // EB's health report: a new one every 10 s.
    reportAt: Math.floor((over.at ?? 0) / 10_000) * 10_000,
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

  it("reads EB's health names as data: a name like constructor or __proto__ is an unknown level, never a match", () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(healthLevel({ health: undefined, healthStatus: name })).toBe('unknown');
      expect(healthLevel({ health: name, healthStatus: undefined })).toBe('unknown');
      expect(evaluateCheck(obs({ healthStatus: name }), { ...exp, minHealth: 'warning' })).toEqual([`health is ${name} (Green), below Warning/Yellow`]);
    }
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
  const rules: GateRules = { healthyChecks: 3, stableMs: 45_000, settleTimeoutMs: 120_000, unhealthyGraceMs: 0 };
  const severe = (at: number, over: Partial<Observation> = {}) =>
    obs({ at, healthStatus: 'Severe', health: 'Red', instances: [{ id: 'i-1', versionLabel: 'v2', healthStatus: 'Severe' }], ...over });

  it('passes only once health held for stable-seconds AND over two EB health reports, on a check that read the instances', () => {
    const g = new GateTracker(exp, rules, true);
    expect(g.observe(obs({ at: 1000 }))).toMatchObject({ kind: 'holding', since: 1000, checks: 1 });
    for (let t = 2000; t < 46_000; t += 1000) expect(g.observe(obs({ at: t })).kind).toBe('holding');
    // 45 s held, but this check did not read the instances: keep holding.
    expect(g.observe(obs({ at: 46_000, fullCheck: false, instances: undefined, reportAt: undefined })).kind).toBe('holding');
    expect(g.observe(obs({ at: 46_500 }))).toMatchObject({ kind: 'passed', heldMs: 45_500, reports: 5 });
    expect(g.wentLive).toBe(true);
  });

  it('time alone is not enough: every check read the same health report', () => {
    const g = new GateTracker(exp, { ...rules, stableMs: 5000 }, true);
    for (let t = 0; t <= 60_000; t += 1000) expect(g.observe(obs({ at: t, reportAt: 1234 })).kind).toBe('holding');
    expect(g.observe(obs({ at: 61_000, reportAt: 11_234 })).kind).toBe('passed');
  });

  it('two reports are not enough either: the window lasts stable-seconds', () => {
    const g = new GateTracker(exp, rules, true);
    expect(g.observe(obs({ at: 0 })).kind).toBe('holding');
    expect(g.observe(obs({ at: 10_000 })).kind).toBe('holding');
    expect(g.observe(obs({ at: 44_999 })).kind).toBe('holding');
    expect(g.observe(obs({ at: 45_000 })).kind).toBe('passed');
  });

  it('with enhanced health off, the window is timed only', () => {
    const g = new GateTracker(exp, { ...rules, stableMs: 20_000 }, true);
    const basic = (at: number) => obs({ at, healthStatus: undefined, instances: undefined, enhanced: false, reportAt: undefined });
    expect(g.observe(basic(0)).kind).toBe('holding');
    expect(g.observe(basic(10_000)).kind).toBe('holding');
    expect(g.observe(basic(20_000)).kind).toBe('passed');
  });

  it('any failure inside the window fails the gate (a late crash), and says the release went live', () => {
    const g = new GateTracker(exp, rules, true);
    for (let t = 0; t < 30_000; t += 1000) g.observe(obs({ at: t }));
    const state = g.observe(severe(30_000));
    expect(state).toMatchObject({ kind: 'failed', wentLive: true });
    expect(state.kind === 'failed' && state.reason).toMatch(/health did not hold: health is Severe \(Red\).*\(30 s into the 45 s stability window\)/);
    // The health URL failing once is a failure too.
    const u = new GateTracker({ ...exp, checkHealthUrl: true }, rules, true);
    u.observe(obs({ at: 0, healthUrl: { status: 200, body: '' } }));
    const url = u.observe(obs({ at: 1000, healthUrl: { status: 503, body: '' } }));
    expect(url.kind === 'failed' && url.reason).toMatch(/health did not hold: health URL answered 503/);
  });

  it('keeps waiting while the update is in progress, however long (the deadline decides)', () => {
    const g = new GateTracker(exp, rules, true);
    for (let t = 0; t < 3_600_000; t += 10_000)
      expect(g.observe(obs({ at: t, status: 'Updating', versionLabel: 'v1', healthStatus: 'Severe' })).kind).toBe('waiting');
  });

  it('fails when EB finishes the update on the old version (Immutable undoing the deploy): it never went live', () => {
    const g = new GateTracker(exp, rules, true);
    g.observe(obs({ status: 'Updating', versionLabel: 'v1' }));
    const state = g.observe(obs({ status: 'Ready', versionLabel: 'v1', healthStatus: 'Ok' }));
    expect(state).toMatchObject({ kind: 'failed', wentLive: false });
    expect(state.kind === 'failed' && state.reason).toMatch(/finished the update on "v1" instead of "v2"/);
  });

  it('gives EB three checks to show an update started before calling a Ready-on-old environment a failure', () => {
    const g = new GateTracker(exp, rules, false);
    const old = obs({ versionLabel: 'v1' });
    expect(g.observe(old).kind).toBe('waiting');
    expect(g.observe(old).kind).toBe('waiting');
    expect(g.observe(old).kind).toBe('failed');
  });

  it('fails a finished update that is Severe in two consecutive health reports, at the second, not before', () => {
    const g = new GateTracker(exp, rules, true);
    expect(g.observe(severe(1000)).kind).toBe('waiting');
    expect(g.observe(severe(5000)).kind).toBe('waiting'); // the same report
    const state = g.observe(severe(10_500));
    expect(state).toMatchObject({ kind: 'failed', wentLive: true });
    expect(state.kind === 'failed' && state.reason).toMatch(/^unhealthy in 2 consecutive EB health reports after the update finished: health is Severe \(Red\)/);
  });

  it('every instance failing counts as bad even when the roll-up is not yet', () => {
    const g = new GateTracker(exp, rules, true);
    const allDown = (at: number) => obs({ at, healthStatus: 'Warning', health: 'Yellow', instances: [{ id: 'i-1', versionLabel: 'v2', healthStatus: 'Degraded' }, { id: 'i-2', versionLabel: 'v2', healthStatus: 'Severe' }] });
    expect(g.observe(allDown(0)).kind).toBe('waiting');
    expect(g.observe(allDown(10_000)).kind).toBe('failed');
  });

  it('a report in between that is not bad breaks the run of bad reports', () => {
    const g = new GateTracker(exp, rules, true);
    expect(g.observe(severe(0)).kind).toBe('waiting');
    expect(g.observe(obs({ at: 10_000, healthStatus: 'Warning', health: 'Yellow', instances: [{ id: 'i-1', versionLabel: 'v2', healthStatus: 'Warning' }] })).kind).toBe('waiting');
    expect(g.observe(severe(20_000)).kind).toBe('waiting');
    expect(g.observe(severe(30_000)).kind).toBe('failed');
  });

  it('transient Pending/Warning after the update do not fail it; settle-timeout bounds them', () => {
    const g = new GateTracker(exp, rules, true);
    const warning = (at: number) => obs({ at, healthStatus: 'Warning', health: 'Yellow', instances: [{ id: 'i-1', versionLabel: 'v2', healthStatus: 'Pending' }] });
    for (let t = 0; t < 120_000; t += 5000) expect(g.observe(warning(t)).kind).toBe('waiting');
    const state = g.observe(warning(120_000));
    expect(state.kind === 'failed' && state.reason).toMatch(/still failing 120 s after the update finished \(settle-timeout\): health is Warning/);
  });

  it('unhealthy-grace gives a Severe release longer, explicitly', () => {
    const g = new GateTracker(exp, { ...rules, unhealthyGraceMs: 60_000 }, true);
    for (let t = 0; t < 60_000; t += 10_000) expect(g.observe(severe(t)).kind).toBe('waiting');
    expect(g.observe(severe(60_000)).kind).toBe('failed');
  });

  it('another actor\'s update is "superseded", by the label it leaves running once known', () => {
    const g = new GateTracker(exp, rules, true);
    g.observe(obs({ at: 0 }));
    expect(g.observe(obs({ at: 1000, status: 'Updating', foreignUpdate: { requestId: 'r-2' } }))).toMatchObject({ kind: 'superseded', label: undefined, requestId: 'r-2' });
    const state = g.observe(obs({ at: 9000, versionLabel: 'v3', foreignUpdate: { requestId: 'r-2' } }));
    expect(state).toMatchObject({ kind: 'superseded', label: 'v3' });
    expect(state.kind === 'superseded' && state.reason).toMatch(/^superseded by "v3": another update of the environment \(request r-2\) replaced "v2"/);
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
});
