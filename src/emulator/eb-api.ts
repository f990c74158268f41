// The Elastic Beanstalk actions: validate like EB, answer at once, run the slow part in the background.
import { describeApplication, describeEnvironment, describeEvent, describeInstanceHealth, describeVersion, isAbortable, paginate } from './describe.js';
import { abortUpdate, configFor, launchEnvironment, terminateEnvironment, updateEnvironment } from './environments.js';
import { HEALTH_STATUSES } from './health.js';
import { LoadBalancer } from './load-balancer.js';
import { mergeOptionSettings, resolveConfig } from './option-settings.js';
import { EbError, invalidParameter, type QueryParams, type XmlValue } from './query-protocol.js';
import type { Runtime } from './runtime.js';
import { DEFAULT_SOLUTION_STACK, newEnvironmentId, SEVERITIES, type AppVersion, type Environment } from './state.js';

export interface ApiContext {
  rt: Runtime;
  requestId: string;
  versionQuota: number;
}

type Handler = (p: QueryParams, ctx: ApiContext) => Promise<XmlValue> | XmlValue;

const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9-]{2,38}[a-zA-Z0-9]$/;

function app(ctx: ApiContext, name: string) {
  const found = ctx.rt.state.applications.get(name);
  if (!found) throw invalidParameter(`No Application named '${name}' found.`);
  return found;
}

function version(ctx: ApiContext, appName: string, label: string) {
  const found = ctx.rt.state.version(appName, label);
  if (!found) throw invalidParameter(`No Application Version named '${label}' found.`);
  return found;
}

function environment(p: QueryParams, ctx: ApiContext, code = 'InvalidParameterValue'): Environment {
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

function page<T>(items: T[], p: QueryParams, max?: number): { page: T[]; nextToken?: string } {
  try {
    return paginate(items, maxRecords(p, max), p.string('NextToken'));
  } catch (err) {
    if (err instanceof EbError) throw err;
    throw invalidParameter(`Invalid NextToken: '${p.string('NextToken') ?? ''}'.`);
  }
}

async function s3Request(ctx: ApiContext, method: 'PUT' | 'HEAD' | 'DELETE', bucket: string, key?: string): Promise<number> {
  const path = key === undefined ? '' : `/${key.split('/').map(encodeURIComponent).join('/')}`;
  const res = await fetch(`${ctx.rt.s3Endpoint}/${encodeURIComponent(bucket)}${path}`, { method, signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}

function createApplication(p: QueryParams, ctx: ApiContext): XmlValue {
  const name = p.required('ApplicationName');
  if (name.length > 100) throw invalidParameter(`Value '${name}' at 'applicationName' failed to satisfy constraint: Member must have length less than or equal to 100`);
  const { state } = ctx.rt;
  if (state.applications.has(name)) throw invalidParameter(`Application ${name} already exists.`);
  const now = new Date();
  const description = p.string('Description');
  const created = { name, arn: state.arn('application', name), ...(description ? { description } : {}), created: now, updated: now };
  state.applications.set(name, created);
  return describeApplication(state, created);
}

export const handlers: Record<string, Handler> = {
  CreateApplication: (p, ctx) => ({ Application: createApplication(p, ctx) }),

  DescribeApplications(p, ctx) {
    const names = p.list('ApplicationNames');
    const apps = [...ctx.rt.state.applications.values()].filter((a) => names.length === 0 || names.includes(a.name));
    return { Applications: apps.map((a) => describeApplication(ctx.rt.state, a)) };
  },

  async CreateStorageLocation(_p, ctx) {
    const bucket = `elasticbeanstalk-${ctx.rt.state.region}-${ctx.rt.state.accountId}`;
    const status = await s3Request(ctx, 'PUT', bucket);
    if (status >= 500) throw new EbError('InternalFailure', `Could not create the storage bucket ${bucket} (S3 answered HTTP ${status}).`, 500);
    return { S3Bucket: bucket };
  },

  async CreateApplicationVersion(p, ctx) {
    const { state } = ctx.rt;
    const appName = p.required('ApplicationName');
    const label = p.required('VersionLabel');
    if (!state.applications.has(appName)) {
      if (p.bool('AutoCreateApplication')) createApplication(p, ctx);
      else throw invalidParameter(`No Application named '${appName}' found.`);
    }
    if (state.version(appName, label)) throw invalidParameter(`Application Version ${label} already exists.`);
    if (state.versions.size >= ctx.versionQuota) {
      throw new EbError('TooManyApplicationVersionsException', `You cannot have more than ${ctx.versionQuota} Application Versions.`);
    }
    const bucket = p.string('SourceBundle.S3Bucket');
    const key = p.string('SourceBundle.S3Key');
    if ((bucket === undefined) !== (key === undefined)) {
      throw new EbError('InvalidParameterCombination', 'Both S3 bucket and key must be specified.');
    }
    if (bucket !== undefined && key !== undefined) {
      const status = await s3Request(ctx, 'HEAD', bucket, key);
      if (status !== 200) {
        throw new EbError('InvalidParameterCombination', `Unable to download from S3 location (Bucket: ${bucket} Key: ${key}). Reason: ${status === 404 ? 'Not Found' : `HTTP ${status}`}`);
      }
    }
    const now = new Date();
    const description = p.string('Description');
    const created: AppVersion = {
      app: appName,
      label,
      arn: state.arn('applicationversion', `${appName}/${label}`),
      ...(description ? { description } : {}),
      ...(bucket !== undefined && key !== undefined ? { source: { bucket, key } } : {}),
      status: bucket === undefined ? 'Processed' : 'Unprocessed',
      created: now,
      updated: now,
    };
    state.versions.set(`${appName}\u0000${label}`, created);
    if (p.bool('Process') && created.source) void ctx.rt.processVersion(created, ctx.requestId);
    return { ApplicationVersion: describeVersion(created) };
  },

  DescribeApplicationVersions(p, ctx) {
    const appName = p.string('ApplicationName');
    const labels = p.list('VersionLabels');
    const all = [...ctx.rt.state.versions.values()]
      .filter((v) => (!appName || v.app === appName) && (labels.length === 0 || labels.includes(v.label)))
      .sort((a, b) => b.created.getTime() - a.created.getTime());
    const { page: versions, nextToken } = page(all, p);
    return { ApplicationVersions: versions.map(describeVersion), NextToken: nextToken };
  },

  async DeleteApplicationVersion(p, ctx) {
    const { state } = ctx.rt;
    const appName = p.required('ApplicationName');
    const label = p.required('VersionLabel');
    app(ctx, appName);
    const v = version(ctx, appName, label);
    const users = state
      .liveEnvironments()
      .filter((e) => e.app === appName && (e.versionLabel === label || e.operation?.label === label || [...e.instances, ...e.temporaryInstances].some((i) => i.deployment.versionLabel === label)));
    if (users.length > 0) {
      throw invalidParameter(`Unable to delete application version '${label}' because it is being used by environment(s): ${users.map((e) => e.name).join(', ')}.`);
    }
    if (v.status === 'Processing') throw new EbError('OperationInProgressFailure', `Unable to delete application version: ${label}. An operation is already in progress, please retry again shortly.`);
    state.versions.delete(`${appName}\u0000${label}`);
    if (p.bool('DeleteSourceBundle') && v.source) {
      const status = await s3Request(ctx, 'DELETE', v.source.bucket, v.source.key).catch(() => 0);
      if (status !== 204 && status !== 200) {
        throw new EbError('SourceBundleDeletionFailure', `Unable to delete source bundle s3://${v.source.bucket}/${v.source.key} (S3 answered ${status || 'nothing'}); the application version was deleted.`);
      }
    }
    return undefined;
  },

  async CreateEnvironment(p, ctx) {
    const { rt } = ctx;
    const appName = p.required('ApplicationName');
    const name = p.required('EnvironmentName');
    app(ctx, appName);
    if (!NAME_PATTERN.test(name)) {
      throw invalidParameter(`Value ${name} at 'EnvironmentName' failed to satisfy constraint: it must be 4 to 40 letters, digits or hyphens, not starting or ending with a hyphen.`);
    }
    if (rt.state.liveEnvironments().some((e) => e.name === name)) throw invalidParameter(`Environment ${name} already exists.`);
    const label = p.string('VersionLabel');
    const v = label === undefined ? undefined : version(ctx, appName, label);
    const optionSettings = p.optionSettings('OptionSettings');
    resolveConfig(optionSettings);
    const id = newEnvironmentId();
    const now = new Date();
    const description = p.string('Description');
    const platformArn = p.string('PlatformArn');
    const env: Environment = {
      id,
      name,
      app: appName,
      arn: rt.state.arn('environment', `${appName}/${name}`),
      ...(label !== undefined ? { versionLabel: label } : {}),
      ...(description ? { description } : {}),
      ...(platformArn ? { platformArn } : {}),
      solutionStack: p.string('SolutionStackName') ?? DEFAULT_SOLUTION_STACK,
      tier: { Name: p.string('Tier.Name') ?? 'WebServer', Type: p.string('Tier.Type') ?? 'Standard', Version: p.string('Tier.Version') ?? '1.0' },
      created: now,
      updated: now,
      status: 'Launching',
      health: 'Grey',
      healthStatus: 'Pending',
      causes: [],
      healthRefreshedAt: now,
      apiOptionSettings: optionSettings,
      instances: [],
      temporaryInstances: [],
      // Immutable deployments' new instances join the load balancer once they pass health checks, as in EB.
      lb: new LoadBalancer(() => [...env.instances, ...env.temporaryInstances].filter((i) => i.inService), rt.host),
      deploymentCounter: 0,
    };
    await env.lb.start();
    rt.state.environments.push(env);
    launchEnvironment(rt, env, v, ctx.requestId);
    return describeEnvironment(env);
  },

  DescribeEnvironments(p, ctx) {
    const appName = p.string('ApplicationName');
    const label = p.string('VersionLabel');
    const ids = p.list('EnvironmentIds');
    const names = p.list('EnvironmentNames');
    const includeDeleted = p.bool('IncludeDeleted') ?? true;
    const backTo = p.date('IncludedDeletedBackTo') ?? new Date(Date.now() - 3600_000);
    const envs = ctx.rt.state.environments.filter(
      (e) =>
        (!appName || e.app === appName) &&
        (!label || e.versionLabel === label) &&
        (ids.length === 0 || ids.includes(e.id)) &&
        (names.length === 0 || names.includes(e.name)) &&
        (e.status !== 'Terminated' || (includeDeleted && (e.terminatedAt ?? e.updated) >= backTo)),
    );
    const { page: shown, nextToken } = page(envs, p);
    return { Environments: shown.map(describeEnvironment), NextToken: nextToken };
  },

  UpdateEnvironment(p, ctx) {
    const { rt } = ctx;
    const env = environment(p, ctx);
    if (env.status !== 'Ready') throw invalidParameter(`Environment named ${env.name} is in an invalid state for this operation. Must be Ready.`);
    const label = p.string('VersionLabel');
    const v = label === undefined ? undefined : version(ctx, env.app, label);
    const optionSettings = p.optionSettings('OptionSettings');
    configFor({ ...env, apiOptionSettings: mergeOptionSettings(env.apiOptionSettings, optionSettings) }, undefined, rt);
    const description = p.string('Description');
    if (description !== undefined) env.description = description;
    if (v || optionSettings.length > 0) {
      updateEnvironment(rt, env, { ...(v ? { version: v } : {}), optionSettings, requestId: ctx.requestId, stuck: rt.faults.takeStuckUpdate(env.name) });
    }
    return describeEnvironment(env);
  },

  AbortEnvironmentUpdate(p, ctx) {
    const env = environment(p, ctx);
    if (!isAbortable(env)) throw invalidParameter(`Environment named ${env.name} has no abortable operation in progress.`);
    void abortUpdate(env);
    return undefined;
  },

  TerminateEnvironment(p, ctx) {
    const env = environment(p, ctx);
    if (env.status === 'Terminating') throw invalidParameter(`Environment named ${env.name} is in an invalid state for this operation. Must be Ready.`);
    terminateEnvironment(ctx.rt, env, ctx.requestId);
    return describeEnvironment(env);
  },

  DescribeEvents(p, ctx) {
    const f = {
      app: p.string('ApplicationName'), label: p.string('VersionLabel'), env: p.string('EnvironmentName'),
      envId: p.string('EnvironmentId'), requestId: p.string('RequestId'), start: p.date('StartTime'), end: p.date('EndTime'),
    };
    const severity = p.string('Severity');
    if (severity !== undefined && !(SEVERITIES as readonly string[]).includes(severity)) {
      throw invalidParameter(`Invalid Severity '${severity}': expected one of ${SEVERITIES.join(', ')}.`);
    }
    const minSeverity = severity === undefined ? 0 : SEVERITIES.indexOf(severity as never);
    const envName = f.envId ? ctx.rt.state.findEnvironment({ id: f.envId })?.name ?? '\u0000' : f.env;
    const events = ctx.rt.state.events
      .filter(
        (e) =>
          (!f.app || e.app === f.app) && (!f.label || e.label === f.label) && (!envName || e.env === envName) &&
          (!f.requestId || e.requestId === f.requestId) && (!f.start || e.date >= f.start) && (!f.end || e.date < f.end) &&
          SEVERITIES.indexOf(e.severity) >= minSeverity,
      )
      .reverse();
    const { page: shown, nextToken } = page(events, p);
    return { Events: shown.map(describeEvent), NextToken: nextToken };
  },

  DescribeEnvironmentHealth(p, ctx) {
    const env = environment(p, ctx, 'InvalidRequestException');
    const wanted = p.list('AttributeNames');
    const all = wanted.length === 0 || wanted.includes('All');
    const pick = (attr: string, value: XmlValue): XmlValue => (all || wanted.includes(attr) ? value : undefined);
    const counts = Object.fromEntries(
      HEALTH_STATUSES.map((s) => [s, env.instances.filter((i) => i.health.status === s).length]),
    );
    return {
      EnvironmentName: env.name,
      HealthStatus: pick('HealthStatus', env.healthStatus),
      Status: pick('Status', env.status),
      Color: pick('Color', env.health),
      Causes: pick('Causes', env.causes),
      ApplicationMetrics: pick('ApplicationMetrics', { RequestCount: 0 }),
      InstancesHealth: pick('InstancesHealth', counts),
      RefreshedAt: pick('RefreshedAt', env.healthRefreshedAt),
    };
  },

  DescribeInstancesHealth(p, ctx) {
    const env = environment(p, ctx, 'InvalidRequestException');
    return {
      InstanceHealthList: [...env.instances, ...env.temporaryInstances].map(describeInstanceHealth),
      RefreshedAt: env.healthRefreshedAt,
    };
  },

  DescribeAccountAttributes(_p, ctx) {
    return {
      ResourceQuotas: {
        ApplicationQuota: { Maximum: 75 },
        ApplicationVersionQuota: { Maximum: ctx.versionQuota },
        EnvironmentQuota: { Maximum: 200 },
        ConfigurationTemplateQuota: { Maximum: 2000 },
        CustomPlatformQuota: { Maximum: 50 },
      },
    };
  },
};
