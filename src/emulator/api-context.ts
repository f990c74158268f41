// What every action handler shares: its context, lookups that fail with EB's messages, paging.
import { EbError, invalidParameter, type QueryParams, type XmlValue } from './query-protocol.js';
import type { InputValue } from './model/request-input.js';
import type { Runtime } from './runtime.js';
import type { Environment } from './state.js';

export interface ApiContext {
  rt: Runtime;
  requestId: string;
  versionQuota: number;
  /** The request read through the operation's input shape (model/request-input.ts): nested structures typed. */
  input: Record<string, InputValue>;
}

export type Handler = (p: QueryParams, ctx: ApiContext) => Promise<XmlValue> | XmlValue;

export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9-]{2,38}[a-zA-Z0-9]$/;

export function app(ctx: ApiContext, name: string) {
  const found = ctx.rt.state.applications.get(name);
  if (!found) throw invalidParameter(`No Application named '${name}' found.`);
  return found;
}

export function version(ctx: ApiContext, appName: string, label: string) {
  const found = ctx.rt.state.version(appName, label);
  if (!found) throw invalidParameter(`No Application Version named '${label}' found.`);
  return found;
}

export function environment(p: QueryParams, ctx: ApiContext, code = 'InvalidParameterValue'): Environment {
  const name = p.string('EnvironmentName');
  const id = p.string('EnvironmentId');
  if (!name && !id) throw new EbError('MissingParameter', 'The request must contain the parameter EnvironmentName or EnvironmentId');
  const env = ctx.rt.state.findEnvironment(id ? { id } : { name: name ?? '' });
  if (!env || env.status === 'Terminated') {
    throw new EbError(code, id ? `No Environment found for EnvironmentId = '${id}'.` : `No Environment found for EnvironmentName = '${name ?? ''}'.`);
  }
  return env;
}

function maxRecords(p: QueryParams, max = 1000): number | undefined {
  return p.int('MaxRecords', 1, max);
}

/** NextToken pagination over an already ordered list: the token is the next offset. */
export function paginate<T>(items: T[], maxRecords: number | undefined, token: string | undefined): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!/^\d+$/.test(decoded)) throw new Error('invalid token');
    offset = Number(decoded);
  }
  const size = maxRecords ?? items.length;
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { page, nextToken: Buffer.from(String(next)).toString('base64url') } : { page };
}

export function page<T>(items: T[], p: QueryParams, max?: number): { page: T[]; nextToken?: string } {
  try {
    return paginate(items, maxRecords(p, max), p.string('NextToken'));
  } catch (err) {
    if (err instanceof EbError) throw err;
    throw invalidParameter(`Invalid NextToken: '${p.string('NextToken') ?? ''}'.`);
  }
}

export async function s3Request(ctx: ApiContext, method: 'PUT' | 'HEAD' | 'DELETE', bucket: string, key?: string): Promise<number> {
  const path = key === undefined ? '' : `/${key.split('/').map(encodeURIComponent).join('/')}`;
  const res = await ctx.rt.s3Fetch(`${ctx.rt.s3Endpoint}/${encodeURIComponent(bucket)}${path}`, { method, signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}
