// Identity-based policy documents and IAM's evaluation of them, as the IAM user guide describes it
// ("Policy evaluation logic", "IAM JSON policy elements"): a request is allowed when some statement
// allows it and none denies it (an explicit Deny wins; no matching Allow is an implicit deny).
// Action/NotAction match case-insensitively with * and ? wildcards; Resource/NotResource ARNs
// match case-sensitively with the same wildcards. Condition supports the string, ARN, Bool and Null
// operators (with ...IfExists) on the keys the emulator puts in the request context; a key that is
// absent makes a positive operator false and a negated one true, as IAM does.

export type Effect = 'Allow' | 'Deny';

interface Statement {
  sid?: string;
  effect: Effect;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  conditions: { operator: string; key: string; values: string[] }[];
}

export interface Policy {
  statements: Statement[];
}

/** The request context keys conditions can test (elasticbeanstalk:InApplication, iam:PassedToService, ...). */
export type RequestContext = Record<string, string | undefined>;

const OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Bool', 'Null',
]);

function list(value: unknown, where: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0 || items.some((v) => typeof v !== 'string' || v === '')) {
    throw new Error(`${where}: expected a non-empty string or a list of them, got ${JSON.stringify(value)}`);
  }
  return items as string[];
}

function parseStatement(raw: unknown, where: string): Statement {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: expected an object`);
  const s = raw as Record<string, unknown>;
  const known = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
  const unknown = Object.keys(s).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new Error(`${where}: ${unknown.join(', ')} is not supported (Principal/NotPrincipal belong in resource policies; use Sid, Effect, Action/NotAction, Resource/NotResource, Condition)`);
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new Error(`${where}.Effect: expected "Allow" or "Deny", got ${JSON.stringify(s.Effect)}`);
  if ((s.Action === undefined) === (s.NotAction === undefined)) throw new Error(`${where}: expected exactly one of Action and NotAction`);
  if ((s.Resource === undefined) === (s.NotResource === undefined)) throw new Error(`${where}: expected exactly one of Resource and NotResource`);
  const conditions: Statement['conditions'] = [];
  if (s.Condition !== undefined) {
    if (typeof s.Condition !== 'object' || s.Condition === null) throw new Error(`${where}.Condition: expected an object`);
    for (const [operator, block] of Object.entries(s.Condition as Record<string, unknown>)) {
      if (!OPERATORS.has(operator.replace(/IfExists$/, ''))) throw new Error(`${where}.Condition: operator ${operator} is not supported by the emulator (${[...OPERATORS].join(', ')}, ...IfExists)`);
      if (typeof block !== 'object' || block === null) throw new Error(`${where}.Condition.${operator}: expected an object of key: value(s)`);
      for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
        conditions.push({ operator, key: key.toLowerCase(), values: list(typeof values === 'boolean' ? String(values) : values, `${where}.Condition.${operator}.${key}`) });
      }
    }
  }
  const statement: Statement = { effect: s.Effect, conditions };
  if (typeof s.Sid === 'string') statement.sid = s.Sid;
  if (s.Action !== undefined) statement.actions = list(s.Action, `${where}.Action`);
  if (s.NotAction !== undefined) statement.notActions = list(s.NotAction, `${where}.NotAction`);
  if (s.Resource !== undefined) statement.resources = list(s.Resource, `${where}.Resource`);
  if (s.NotResource !== undefined) statement.notResources = list(s.NotResource, `${where}.NotResource`);
  for (const a of [...(statement.actions ?? []), ...(statement.notActions ?? [])]) {
    if (a !== '*' && !/^[a-z0-9-]+:[a-z0-9*?]+$/i.test(a)) throw new Error(`${where}: action "${a}" is not of the form service:Action (wildcards * and ? allowed)`);
  }
  return statement;
}

/** A policy document as IAM takes it (JSON text or the parsed object); errors name the element. */
export function parsePolicy(doc: unknown, where = 'policy'): Policy {
  let value = doc;
  if (typeof doc === 'string') {
    try {
      value = JSON.parse(doc) as unknown;
    } catch (err) {
      throw new Error(`${where}: not JSON (${(err as Error).message})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected a policy document object`);
  const d = value as Record<string, unknown>;
  if (d.Version !== '2012-10-17' && d.Version !== '2008-10-17') throw new Error(`${where}.Version: expected "2012-10-17", got ${JSON.stringify(d.Version)}`);
  const raw = Array.isArray(d.Statement) ? d.Statement : d.Statement === undefined ? [] : [d.Statement];
  if (raw.length === 0) throw new Error(`${where}.Statement: expected at least one statement`);
  return { statements: raw.map((s, i) => parseStatement(s, `${where}.Statement[${i}]`)) };
}

const patterns = new Map<string, RegExp>();
/** IAM wildcard match: * any run of characters, ? one character. */
export function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = patterns.get(cacheKey);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'is' : 's');
    patterns.set(cacheKey, re);
  }
  return re.test(value);
}

function conditionHolds(c: Statement['conditions'][number], context: RequestContext): boolean {
  const ifExists = c.operator.endsWith('IfExists');
  const op = c.operator.replace(/IfExists$/, '');
  const value = context[c.key];
  if (op === 'Null') return c.values.some((v) => (v === 'true') === (value === undefined));
  if (value === undefined) return ifExists || op.includes('Not');
  switch (op) {
    case 'StringEquals':
    case 'ArnEquals':
      return c.values.includes(value);
    case 'StringNotEquals':
    case 'ArnNotEquals':
      return !c.values.includes(value);
    case 'StringEqualsIgnoreCase':
      return c.values.some((v) => v.toLowerCase() === value.toLowerCase());
    case 'StringNotEqualsIgnoreCase':
      return !c.values.some((v) => v.toLowerCase() === value.toLowerCase());
    case 'StringLike':
    case 'ArnLike':
      return c.values.some((v) => wildcard(v, value, false));
    case 'StringNotLike':
    case 'ArnNotLike':
      return !c.values.some((v) => wildcard(v, value, false));
    case 'Bool':
      return c.values.includes(value);
    default:
      return false;
  }
}

function applies(s: Statement, action: string, resource: string, context: RequestContext): boolean {
  const actionMatch = s.actions ? s.actions.some((p) => wildcard(p, action, true)) : !(s.notActions ?? []).some((p) => wildcard(p, action, true));
  if (!actionMatch) return false;
  const resourceMatch = s.resources ? s.resources.some((p) => wildcard(p, resource, false)) : !(s.notResources ?? []).some((p) => wildcard(p, resource, false));
  return resourceMatch && s.conditions.every((c) => conditionHolds(c, context));
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** IAM's verdict for one action on one resource under a principal's identity policies. */
export function evaluate(policies: Policy[], action: string, resource: string, requestContext: RequestContext = {}): Decision {
  // Condition keys are case-insensitive.
  const context = Object.fromEntries(Object.entries(requestContext).map(([k, v]) => [k.toLowerCase(), v]));
  let allowed = false;
  for (const policy of policies) {
    for (const s of policy.statements) {
      if (!applies(s, action, resource, context)) continue;
      if (s.effect === 'Deny') return 'explicit-deny';
      allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicit-deny';
}
