// The AWS Query protocol as Elastic Beanstalk speaks it: form-encoded requests, XML replies.
import { randomUUID } from 'node:crypto';
import { parseTimestamp } from './model/timestamp.js';
import { xmlDocument, type XmlContent, type XmlText, type XmlTree } from './xml.js';

export const EB_XMLNS = 'http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/';

/** An error answered in EB's `<ErrorResponse>` shape; `code` is what the SDK turns into `err.name`. */
export class EbError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

export const invalidParameter = (message: string): EbError => new EbError('InvalidParameterValue', message);

export interface OptionSetting {
  namespace: string;
  optionName: string;
  value: string;
  resourceName?: string;
}

/** Typed access to the flattened parameters of one request (`A.member.1.B=...`). */
export class QueryParams {
  constructor(private readonly values: Map<string, string>) {}

  /**
   * Query-string and form parameters (the form wins). List items may be written
   * `Name.members.N` as well as `Name.member.N`: EB accepts both (einaregilsson/beanstalk-deploy
   * sends the first).
   */
  static parse(body: string, query = ''): QueryParams {
    const values = new Map<string, string>();
    for (const source of [query, body]) {
      for (const [k, v] of new URLSearchParams(source)) values.set(k.replace(/\.members\.(\d+)/g, '.member.$1'), v);
    }
    return new QueryParams(values);
  }

  /** Every parameter, by name. */
  get all(): ReadonlyMap<string, string> {
    return this.values;
  }

  /** `Action`, or `Operation` as older clients name it (EB answers both). */
  get action(): string | undefined {
    return this.values.get('Action') ?? this.values.get('Operation');
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined || v === '' ? undefined : v;
  }

  required(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new EbError('MissingParameter', `The request must contain the parameter ${name}`);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (v === 'true' || v === 'false') return v === 'true';
    throw invalidParameter(`Invalid value '${v}' for ${name}: expected true or false.`);
  }

  int(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      throw invalidParameter(`Invalid value '${v}' for ${name}: expected an integer from ${min} to ${max}.`);
    }
    return n;
  }

  date(name: string): Date | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const d = parseTimestamp(v);
    if (!d) throw invalidParameter(`Invalid value '${v}' for ${name}: expected an ISO 8601 timestamp.`);
    return d;
  }

  list(name: string): string[] {
    const out: string[] = [];
    for (let i = 1; this.values.has(`${name}.member.${i}`); i++) out.push(this.values.get(`${name}.member.${i}`) ?? '');
    return out;
  }

  /**
   * `Name.member.N.{Namespace,OptionName,ResourceName,Value}` in order. Each member is read by its
   * four keys (no scan of every parameter per member), so 8,000 settings parse in linear time.
   */
  optionSettings(name: string): OptionSetting[] {
    const out: OptionSetting[] = [];
    const fields = ['Namespace', 'OptionName', 'ResourceName', 'Value'] as const;
    for (let i = 1; ; i++) {
      const prefix = `${name}.member.${i}.`;
      if (!fields.some((f) => this.values.has(prefix + f))) break;
      const get = (f: (typeof fields)[number]): string | undefined => this.values.get(prefix + f);
      const namespace = get('Namespace');
      const optionName = get('OptionName');
      if (!namespace || !optionName) {
        throw invalidParameter(`${name}.member.${i} must have a Namespace and an OptionName.`);
      }
      const resourceName = get('ResourceName');
      out.push({ namespace, optionName, value: get('Value') ?? '', ...(resourceName ? { resourceName } : {}) });
    }
    return out;
  }
}

/** A reply value: objects become elements in key order, arrays `<member>` lists, Dates ISO 8601. */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlValue[] | { [key: string]: XmlValue };

/** `value` as the element tree the XML module writes: each list item in a `<member>`. */
function toTree(value: XmlValue): XmlContent {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return { member: value.map(toTree).filter((item) => item !== undefined) as (XmlText | XmlTree)[] };
  if (typeof value === 'object') {
    const tree: XmlTree = {};
    for (const name of Object.keys(value)) {
      const content = toTree(value[name]);
      if (content !== undefined) tree[name] = content;
    }
    return tree;
  }
  return value;
}

/**
 * EB's replies replace what XML 1.0 cannot carry with U+FFFD: an event message holding a terminal
 * escape must not make the reply unreadable to boto3 and awscli (expat refuses it in any form).
 */
const EB_XML = { namespace: EB_XMLNS, unrepresentable: 'replace' } as const;

export const newRequestId = (): string => randomUUID();

export function resultXml(action: string, result: XmlValue, requestId: string): string {
  const content = toTree(result);
  return xmlDocument(
    `${action}Response`,
    { ...(content !== undefined && { [`${action}Result`]: content }), ResponseMetadata: { RequestId: requestId } },
    EB_XML,
  );
}

export function errorXml(error: EbError, requestId: string): string {
  return xmlDocument(
    'ErrorResponse',
    { Error: { Type: error.type, Code: error.code, Message: error.message }, RequestId: requestId },
    EB_XML,
  );
}
