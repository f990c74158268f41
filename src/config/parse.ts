// One parser per kind of input. Each reads a raw string, and on bad input throws a
// ConfigurationError naming the input and the form it accepts — before any AWS call is made.
// Defaults are not theirs: the reader hands over an input's declared default when it was left out
// (withDefaults in src/config/interface/spec.ts), and the names are checked against the reader's.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ConfigurationError } from './errors.js';

/** Returns the raw value of an input, '' when not given (like core.getInput); N: the names it knows. */
export type InputReader<N extends string = string> = (name: N) => string;

function bad(name: string, value: string, expected: string): ConfigurationError {
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return new ConfigurationError(`input "${name}" is invalid ("${shown}"): expected ${expected}`);
}

/**
 * `record[key]` only when `key` is the record's own property. A plain `record[key]` answers
 * "constructor", "__proto__" or "toString" with what every object inherits from Object.prototype,
 * so a lookup table keyed by user input would accept those words as valid choices.
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function readString<N extends string>(get: InputReader<N>, name: N): string {
  return get(name).trim();
}

export function requireValue<N extends string>(get: InputReader<N>, name: N): string {
  const v = readString(get, name);
  if (!v) throw new ConfigurationError(`input "${name}" is required`);
  return v;
}

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/**
 * YAML 1.2 core booleans only: "yes", "1" or "on" are errors, not silently false. `fallback`: for a
 * flag that is not an action input (an action's input has its default from the interface).
 */
export function parseBoolean<N extends string>(get: InputReader<N>, name: N, fallback?: boolean): boolean {
  const v = readString(get, name);
  if (!v && fallback !== undefined) return fallback;
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw bad(name, v, '"true" or "false"');
}

export function parseInteger<N extends string>(get: InputReader<N>, name: N, min: number, max: number): number {
  const v = readString(get, name);
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw bad(name, v, `a whole number from ${min} to ${max}`);
  return Number(v);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_DURATION_MS = 6 * 3_600_000; // a GitHub-hosted job's limit

/** "90s", "10m", "1h30m", or a plain number of seconds; more than 0 (or 0 when `allowZero`) and at most 6h. */
export function parseDuration<N extends string>(get: InputReader<N>, name: N, allowZero = false): number {
  const v = readString(get, name);
  const expected = `a duration like "90s", "10m" or "1h30m" (${allowZero ? '0 or more' : 'more than 0'}, at most 6h)`;
  let ms: number;
  if (/^\d+$/.test(v)) {
    ms = Number(v) * 1000;
  } else {
    const parts = [...v.matchAll(/(\d+)(ms|s|m|h)/g)];
    if (!parts.length || parts.map((p) => p[0]).join('') !== v) throw bad(name, v, expected);
    ms = parts.reduce((sum, p) => sum + Number(p[1]) * (ownValue(UNIT_MS, p[2] ?? '') ?? 0), 0);
  }
  if (!(ms > 0 || (allowZero && ms === 0)) || ms > MAX_DURATION_MS) throw bad(name, v, expected);
  return ms;
}

export function parseChoice<T extends string, N extends string>(get: InputReader<N>, name: N, choices: Record<string, T>): T {
  const v = readString(get, name);
  const found = ownValue(choices, v.toLowerCase());
  if (!found) throw bad(name, v, `one of ${Object.keys(choices).map((c) => `"${c}"`).join(', ')}`);
  return found;
}

// Elastic Beanstalk's own rules (API reference: ApplicationName, EnvironmentName, VersionLabel).
export function validateApplicationName(name: string, v: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (v.length > 100 || v.includes('/') || /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(v))
    throw bad(name, v, 'an application name of 1-100 characters without "/", line breaks or control characters');
  return v;
}

export function validateEnvironmentName(name: string, v: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{2,38}[A-Za-z0-9]$/.test(v))
    throw bad(name, v, 'an environment name of 4-40 letters, digits and "-", not starting or ending with "-"');
  return v;
}

export function validateVersionLabel(name: string, v: string): string {
  if (v.length > 100 || v.includes('/') || /\s/.test(v))
    throw bad(name, v, 'a version label of 1-100 characters without "/" or whitespace');
  return v;
}

export function parseRegion<N extends string>(get: InputReader<N>, name: N): string | undefined {
  const v = readString(get, name);
  if (!v) return undefined;
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(v)) throw bad(name, v, 'an AWS region like "us-east-1" or "eu-west-3"');
  return v;
}

export function parseBucket<N extends string>(get: InputReader<N>, name: N): string | undefined {
  const v = readString(get, name);
  if (!v) return undefined;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) || v.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(v))
    throw bad(name, v, 'an S3 bucket name: 3-63 lowercase letters, digits, "." and "-"');
  return v;
}

/** `fallback`: the prefix derived when none is given (it depends on the application). */
export function parseKeyPrefix<N extends string>(get: InputReader<N>, name: N, fallback: string): string {
  const v = readString(get, name).replace(/\/+$/, '');
  if (!v) return fallback;
  if (v.startsWith('/') || v.split('/').some((p) => p === '..' || p === '.' || p === '') || v.length > 900)
    throw bad(name, v, 'an S3 key prefix like "bundles/my-app" (no leading "/", no "." or ".." parts)');
  return v;
}

export function parseUrl<N extends string>(get: InputReader<N>, name: N): string | undefined {
  const v = readString(get, name);
  if (!v) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw bad(name, v, 'an absolute http:// or https:// URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) throw bad(name, v, 'an absolute http:// or https:// URL');
  return url.toString();
}

/** A .zip file (checked by its magic bytes later) or a directory that exists. */
export function parseBundlePath<N extends string>(get: InputReader<N>, name: N, fallback = ''): string {
  const v = readString(get, name) || fallback;
  let stat;
  try {
    stat = statSync(v);
  } catch {
    throw bad(name, v, 'an existing .zip file or directory');
  }
  if (stat.isDirectory()) return v;
  if (!stat.isFile() || !v.toLowerCase().endsWith('.zip')) throw bad(name, v, 'an existing .zip file or directory');
  if (!hasZipMagic(v)) throw bad(name, v, 'a zip file (it does not start with a zip header)');
  return v;
}

function hasZipMagic(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(4);
    if (readSync(fd, magic, 0, 4, 0) < 4) return false;
    return magic.readUInt32LE(0) === 0x04034b50 || magic.readUInt32LE(0) === 0x06054b50;
  } finally {
    closeSync(fd);
  }
}

export function parseLabelList<N extends string>(get: InputReader<N>, name: N): string[] {
  return readString(get, name)
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => validateVersionLabel(name, s));
}
