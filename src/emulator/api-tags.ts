// Resource tags (ListTagsForResource, UpdateTagsForResource) on applications, application versions
// and environments, addressed by EB's ARNs: arn:aws:elasticbeanstalk:REGION:ACCOUNT:application/APP,
// applicationversion/APP/LABEL, environment/APP/ENV. Limits as the EB API reference and developer
// guide give them: keys 1–128 characters, values 1–256, letters, digits, white space and _ . : / = + - @,
// at most 50 tags a resource (environments: EB's 3 system tags + 47), no `aws:` prefix.
import { EbError, invalidParameter, type QueryParams, type XmlValue } from './query-protocol.js';
import type { Handler } from './api-context.js';
import type { EbState, Environment, Tags } from './state.js';

export const MAX_TAGS = 50;
const KEY_MAX = 128;
const VALUE_MAX = 256;
const ALLOWED = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** EB's own tags on every environment: listed, counted, never changed through the API. */
const SYSTEM_PREFIX = 'elasticbeanstalk:';

interface Taggable {
  /** The resource's own map (created on first use), so the tags live and die with it. */
  tags: Tags;
  /** Tags EB adds itself (environments only). */
  system: [string, string][];
  environment?: Environment;
}

const notFound = (arn: string): EbError => new EbError('ResourceNotFoundException', `Resource ${arn} not found.`);

/** The resource an ARN names, or EB's error: unknown types are not supported, unknown names not found. */
function resolve(state: EbState, arn: string): Taggable {
  const m = /^arn:aws[a-z-]*:elasticbeanstalk:([^:]*):([^:]*):([a-z]+)\/(.+)$/.exec(arn);
  if (!m) throw invalidParameter(`Value '${arn}' at 'resourceArn' is not a valid Elastic Beanstalk ARN.`);
  const [, region, account, type = '', path = ''] = m;
  if (!['application', 'applicationversion', 'environment', 'configurationtemplate', 'platform'].includes(type))
    throw new EbError('ResourceTypeNotSupportedException', `Resource type ${type} is not supported for tagging.`);
  if (region !== state.region || account !== state.accountId) throw notFound(arn);
  const slash = path.indexOf('/');
  const [appName, rest] = slash < 0 ? [path, undefined] : [path.slice(0, slash), path.slice(slash + 1)];
  if (type === 'application' && rest === undefined) {
    const found = state.applications.get(appName);
    if (found) return { tags: (found.tags ??= new Map<string, string>()), system: [] };
  } else if (type === 'applicationversion' && rest !== undefined) {
    const found = state.version(appName, rest);
    if (found) return { tags: (found.tags ??= new Map<string, string>()), system: [] };
  } else if (type === 'environment' && rest !== undefined) {
    const env = state.liveEnvironments().find((e) => e.app === appName && e.name === rest);
    if (env) {
      const system: [string, string][] = [[`${SYSTEM_PREFIX}environment-name`, env.name], [`${SYSTEM_PREFIX}environment-id`, env.id], ['Name', env.name]];
      return { tags: (env.tags ??= new Map<string, string>()), system, environment: env };
    }
  }
  throw notFound(arn);
}

function tagsToAdd(p: QueryParams, list = 'TagsToAdd'): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 1; ; i++) {
    const key = p.string(`${list}.member.${i}.Key`);
    const value = p.string(`${list}.member.${i}.Value`);
    if (key === undefined && value === undefined) return out;
    if (key === undefined) throw invalidParameter(`${list}.member.${i} has no Key.`);
    checkKey(key);
    if (value === undefined || value.length > VALUE_MAX)
      throw invalidParameter(`Value of tag '${key}' failed to satisfy constraint: Member must have length between 1 and ${VALUE_MAX}.`);
    if (!ALLOWED.test(value) || /^aws:/i.test(value))
      throw invalidParameter(`Value of tag '${key}' may contain only letters, numbers, white space and _ . : / = + - @, and may not start with aws:.`);
    out.push([key, value]);
  }
}

/**
 * The `Tags` given to CreateApplication, CreateApplicationVersion or CreateEnvironment, checked as
 * UpdateTagsForResource checks them (an environment's 3 system tags count towards the 50), before the
 * resource is created.
 */
export function tagsAtCreation(p: QueryParams, systemTags = 0): Tags {
  const tags = new Map(tagsToAdd(p, 'Tags'));
  if (tags.size + systemTags > MAX_TAGS) throw new EbError('TooManyTagsException', `The resource would have ${tags.size + systemTags} tags; the limit is ${MAX_TAGS}.`);
  return tags;
}

/** EB's own tags on an environment (listed, counted, never changed through the API). */
export const ENVIRONMENT_SYSTEM_TAGS = 3;

function checkKey(key: string): void {
  if (key.length > KEY_MAX) throw invalidParameter(`Tag key '${key}' failed to satisfy constraint: Member must have length between 1 and ${KEY_MAX}.`);
  if (!ALLOWED.test(key)) throw invalidParameter(`Tag key '${key}' may contain only letters, numbers, white space and _ . : / = + - @.`);
  if (/^aws:/i.test(key)) throw invalidParameter(`Tag key '${key}' uses the reserved prefix aws:.`);
}

function listed(resource: Taggable): XmlValue {
  return [...resource.system, ...resource.tags].map(([Key, Value]) => ({ Key, Value }));
}

export const tagHandlers: Record<string, Handler> = {
  ListTagsForResource(p, ctx) {
    const arn = p.required('ResourceArn');
    return { ResourceArn: arn, ResourceTags: listed(resolve(ctx.rt.state, arn)) };
  },

  UpdateTagsForResource(p, ctx) {
    const arn = p.required('ResourceArn');
    const resource = resolve(ctx.rt.state, arn);
    const add = tagsToAdd(p);
    const remove = p.list('TagsToRemove');
    if (add.length === 0 && remove.length === 0) throw new EbError('MissingParameter', 'The request must contain TagsToAdd or TagsToRemove.');
    for (const key of [...add.map(([k]) => k), ...remove]) {
      if (resource.system.some(([k]) => k === key)) throw invalidParameter(`Tag key '${key}' is reserved by Elastic Beanstalk and cannot be changed.`);
    }
    if (resource.environment && resource.environment.status !== 'Ready')
      throw new EbError('OperationInProgressFailure', `Environment ${resource.environment.name} is ${resource.environment.status}: another operation is in progress.`);
    const { tags } = resource;
    const after = new Map(tags);
    for (const key of remove) after.delete(key);
    for (const [key, value] of add) after.set(key, value);
    if (after.size + resource.system.length > MAX_TAGS)
      throw new EbError('TooManyTagsException', `The resource ${arn} would have ${after.size + resource.system.length} tags; the limit is ${MAX_TAGS}.`);
    tags.clear();
    for (const [key, value] of after) tags.set(key, value);
    return undefined;
  },
};
