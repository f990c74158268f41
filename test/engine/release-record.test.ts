// The rule that picks rollback targets from the verified-release record (pure functions).
import { describe, expect, it } from 'vitest';
import { chooseRollbackOperationTarget, chooseRollbackTarget, newestVerified, verdict, type VersionRecord } from '../../src/eb/release-record.js';

/** v(label, created, { env: verifiedAt }, { env: failedAt }) */
function v(label: string, created: number, verified: Record<string, number> = {}, failed: Record<string, number> = {}, processed = true): VersionRecord {
  return { label, arn: `arn:aws:elasticbeanstalk:us-east-1:1:applicationversion/app/${label}`, created, processed, verified: new Map(Object.entries(verified)), failed: new Map(Object.entries(failed)) };
}

describe('verdict', () => {
  it('is the later of the two marks, per environment', () => {
    expect(verdict(v('a', 1), 'dev')).toBeUndefined();
    expect(verdict(v('a', 1, { dev: 10 }), 'dev')).toBe('verified');
    expect(verdict(v('a', 1, { dev: 10 }, { dev: 20 }), 'dev')).toBe('failed');
    expect(verdict(v('a', 1, { dev: 30 }, { dev: 20 }), 'dev')).toBe('verified');
    expect(verdict(v('a', 1, { dev: 10 }), 'prod')).toBeUndefined();
  });
});

describe('rollback target of a deploy', () => {
  it('is the newest verified version other than the one deployed, by verification time, not creation', () => {
    // v1 re-verified at 50 (a rollback to it) after v2 was verified at 40: v1 is the target.
    const versions = [v('v3', 3), v('v2', 2, { dev: 40 }), v('v1', 1, { dev: 50 })];
    expect(chooseRollbackTarget(versions, 'dev', 'v3', 'v1')).toMatchObject({ label: 'v1', basis: 'verified' });
  });

  it('never picks a failed version, nor one verified only on another environment', () => {
    const versions = [v('v3', 3), v('v2', 2, { dev: 40 }, { dev: 60 }), v('v1', 1, { dev: 30, prod: 70 })];
    expect(chooseRollbackTarget(versions, 'dev', 'v3', 'v2')).toMatchObject({ label: 'v1', basis: 'verified' });
    expect(chooseRollbackTarget(versions, 'prod', 'v3', 'v1')).toMatchObject({ label: 'v1' });
    expect(chooseRollbackTarget([v('v3', 3), v('v2', 2, { prod: 40 })], 'dev', 'v3', 'v2')).toMatchObject({ label: 'v2', basis: 'running' });
  });

  it('an interrupted earlier run left the deployed label live and unverified: the target is still the last verified', () => {
    const versions = [v('v2', 2), v('v1', 1, { dev: 10 })];
    expect(chooseRollbackTarget(versions, 'dev', 'v2', 'v2')).toMatchObject({ label: 'v1', basis: 'verified' });
    // ...and an unverified third version running is not a target either while a record exists.
    expect(chooseRollbackTarget([v('v3', 3), ...versions], 'dev', 'v3', 'v2')).toMatchObject({ label: 'v1', basis: 'verified' });
  });

  it('with no record on the environment, falls back to the version running before, saying so', () => {
    const choice = chooseRollbackTarget([v('v2', 2), v('v1', 1)], 'dev', 'v2', 'v1');
    expect(choice).toMatchObject({ label: 'v1', basis: 'running' });
    expect(choice.why).toMatch(/no verified-release record yet .*eb-pipeline:verified:dev.*falling back to the version it runs, "v1"/);
  });

  it('has no target when only the deployed label is verified, when nothing else ran, or when the running one failed', () => {
    expect(chooseRollbackTarget([v('v2', 2, { dev: 5 }), v('v1', 1)], 'dev', 'v2', 'v1')).toMatchObject({ label: undefined, basis: 'none' });
    expect(chooseRollbackTarget([v('v2', 2)], 'dev', 'v2', undefined)).toMatchObject({ label: undefined });
    expect(chooseRollbackTarget([v('v2', 2)], 'dev', 'v2', 'v2')).toMatchObject({ label: undefined });
    expect(chooseRollbackTarget([v('v2', 2), v('v1', 1, {}, { dev: 5 })], 'dev', 'v2', 'v1')).toMatchObject({ label: undefined });
  });

  it('skips versions that are not processed', () => {
    expect(newestVerified([v('v2', 2, { dev: 9 }, {}, false), v('v1', 1, { dev: 5 })], 'dev')?.label).toBe('v1');
  });
});

describe('default target of the rollback action', () => {
  it('deploy v1 ok → v2 failed and rolled back → rollback: never v2, and no unverified guess', () => {
    // v1 runs (verified again by the rollback), v2 failed, v0 predates the record: v0 is only a hint.
    const versions = [v('v2', 2, {}, { dev: 20 }), v('v1', 1, { dev: 30 }), v('v0', 0)];
    const choice = chooseRollbackOperationTarget(versions, 'dev', 'v1');
    expect(choice).toMatchObject({ label: undefined, basis: 'none' });
    expect(choice.why).toBe('no version other than "v1" is verified healthy on "dev" (the newest older version that did not fail there is "v0", not verified on "dev")');
  });

  it('leaves the running version for the newest other verified one; with v2 left live after failing, goes to v1', () => {
    const versions = [v('v2', 2, {}, { dev: 20 }), v('v1', 1, { dev: 10 }), v('v0', 0, { dev: 5 })];
    expect(chooseRollbackOperationTarget(versions, 'dev', 'v2')).toMatchObject({ label: 'v1', basis: 'verified' });
    expect(chooseRollbackOperationTarget(versions, 'dev', 'v1')).toMatchObject({ label: 'v0', basis: 'verified' });
  });

  it('never falls back to a version that failed on the environment, nor a newer one', () => {
    const versions = [v('v3', 3), v('v2', 2, { dev: 20 }), v('v1', 1, {}, { dev: 10 })];
    expect(chooseRollbackOperationTarget(versions, 'dev', 'v2')).toMatchObject({ label: undefined, basis: 'none' });
  });
});
