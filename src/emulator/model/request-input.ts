// A Query request read through the service model: the flat `A.member.1.B=...` parameters become the
// operation's input structure, and every constraint botocore's model states is checked the way EB's
// front end (Coral) checks it — required members (MissingParameter), malformed numbers, booleans and
// timestamps (InvalidParameterValue), lengths, value ranges, patterns and enums (ValidationError,
// "1 validation error detected: Value 'x' at 'environmentName' failed to satisfy constraint: Member
// must have length less than or equal to 40"). Unknown parameters are ignored, as EB ignores them.
import { EbError, invalidParameter } from '../query-protocol.js';
import { shapeOf, type ServiceModel, type Shape } from './shapes.js';
import { parseTimestamp } from './timestamp.js';

export type InputValue = string | number | boolean | Date | InputValue[] | { [member: string]: InputValue };

/** The member path as Coral names it in messages: lower camel case, list items as `.N.member`. */
const pathPart = (member: string): string => member.charAt(0).toLowerCase() + member.slice(1);

const shown = (v: string): string => (v.length > 256 ? `${v.slice(0, 256)}...` : v);

class Reader {
  readonly violations: string[] = [];

  constructor(
    private readonly model: ServiceModel,
    private readonly params: ReadonlyMap<string, string>,
  ) {}

  /** The value at `key` (a parameter name prefix), or undefined when the request has none. */
  read(shapeName: string, key: string, where: string): InputValue | undefined {
    const shape = shapeOf(this.model, shapeName);
    switch (shape.type) {
      case 'structure':
        return this.structure(shape, key, where);
      case 'list':
        return this.list(shape, key, where);
      case 'map':
        throw new Error(`map shapes are not used by the EB model (${shapeName})`);
      default:
        return this.scalar(shape, key, where);
    }
  }

  private structure(shape: Shape, key: string, where: string): InputValue | undefined {
    const out: Record<string, InputValue> = {};
    let any = false;
    for (const [member, memberShape] of Object.entries(shape.members ?? {})) {
      const v = this.read(memberShape, key ? `${key}.${member}` : member, where ? `${where}.${pathPart(member)}` : pathPart(member));
      if (v !== undefined) {
        out[member] = v;
        any = true;
      }
    }
    if (!any && key) return undefined;
    for (const member of shape.required ?? []) {
      if (out[member] === undefined) {
        throw new EbError('MissingParameter', `The request must contain the parameter ${key ? `${key}.${member}` : member}`);
      }
    }
    return out;
  }

  /** `Key.member.N` from 1 up to the first gap; `Key=` alone is an empty list. */
  private list(shape: Shape, key: string, where: string): InputValue | undefined {
    const items: InputValue[] = [];
    for (let i = 1; ; i++) {
      const item = this.read(shape.member ?? '', `${key}.member.${i}`, `${where}.${i}.member`);
      if (item === undefined) break;
      items.push(item);
    }
    if (items.length === 0 && !this.params.has(key)) return undefined;
    this.limits(shape, items.length, `[${items.length} item(s)]`, where, 'length');
    return items;
  }

  private scalar(shape: Shape, key: string, where: string): InputValue | undefined {
    const raw = this.params.get(key);
    if (raw === undefined) return undefined;
    const bad = (expected: string): EbError => invalidParameter(`Invalid value '${shown(raw)}' for ${key}: expected ${expected}.`);
    switch (shape.type) {
      case 'boolean':
        if (raw !== 'true' && raw !== 'false') throw bad('true or false');
        return raw === 'true';
      case 'integer':
      case 'long': {
        if (!/^-?\d+$/.test(raw)) throw bad('an integer');
        const n = Number(raw);
        this.limits(shape, n, raw, where, 'value');
        return n;
      }
      case 'double':
      case 'float': {
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n)) throw bad('a number');
        this.limits(shape, n, raw, where, 'value');
        return n;
      }
      case 'timestamp': {
        const d = parseTimestamp(raw);
        if (!d) throw bad('an ISO 8601 timestamp (2026-11-25T17:40:00Z or 20261125T174000Z) or epoch seconds');
        return d;
      }
      default: {
        this.limits(shape, [...raw].length, raw, where, 'length');
        if (shape.pattern !== undefined && !new RegExp(`^(?:${shape.pattern})$`, 'su').test(raw)) {
          this.violate(raw, where, `Member must satisfy regular expression pattern: ${shape.pattern}`);
        }
        if (shape.enum && !shape.enum.includes(raw)) this.violate(raw, where, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
        return raw;
      }
    }
  }

  private limits(shape: Shape, n: number, raw: string, where: string, what: 'length' | 'value'): void {
    if (shape.min !== undefined && n < shape.min) this.violate(raw, where, `Member must have ${what} greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && n > shape.max) this.violate(raw, where, `Member must have ${what} less than or equal to ${shape.max}`);
  }

  private violate(raw: string, where: string, constraint: string): void {
    this.violations.push(`Value '${shown(raw)}' at '${where}' failed to satisfy constraint: ${constraint}`);
  }
}

/**
 * Reads and checks `operation`'s input from the request's parameters. Throws EB's error for the
 * first missing required member or malformed value, else one ValidationError listing every
 * constraint violation.
 */
export function readInput(model: ServiceModel, operation: string, params: ReadonlyMap<string, string>): Record<string, InputValue> {
  const op = model.operations[operation];
  if (!op?.input) return {};
  const reader = new Reader(model, params);
  const input = reader.read(op.input, '', '') as Record<string, InputValue>;
  const n = reader.violations.length;
  if (n > 0) throw new EbError('ValidationError', `${n} validation error${n === 1 ? '' : 's'} detected: ${reader.violations.join('; ')}`);
  return input;
}
