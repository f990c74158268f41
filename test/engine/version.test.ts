import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PACKAGE_VERSION } from '../../src/version.js';
import { chooseVersionsToDelete } from '../../src/eb/retention.js';
import { deriveVersionLabel } from '../../src/engine/pipeline.js';

describe('small rules', () => {
  it('the user agent version is package.json version', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(PACKAGE_VERSION).toBe(pkg.version);
  });

  it('derives the same label from the same commit and bundle, valid for EB', () => {
    const sha = 'ab'.repeat(32);
    expect(deriveVersionLabel(sha, '0123456789abcdef0123456789abcdef01234567')).toBe('0123456789ab-abababababab');
    expect(deriveVersionLabel(sha, undefined)).toBe('local-abababababab');
    expect(deriveVersionLabel(sha, 'not/a/sha')).toBe('local-abababababab');
  });

  it('retention deletes the oldest beyond N, never a protected label', () => {
    const v = (label: string, day: number) => ({ VersionLabel: label, DateCreated: new Date(Date.UTC(2026, 0, day)) });
    const versions = [v('a', 1), v('b', 2), v('c', 3), v('d', 4), v('e', 5)];
    expect(chooseVersionsToDelete(versions, 2, new Set())).toEqual(['c', 'b', 'a']);
    expect(chooseVersionsToDelete(versions, 2, new Set(['a', 'c']))).toEqual(['b']);
    expect(chooseVersionsToDelete(versions, 10, new Set())).toEqual([]);
  });
});
