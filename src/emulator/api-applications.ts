// Applications and their versions: EB's account-level actions.
import { describeApplication, describeVersion } from './describe.js';
import { app, page, s3Request, version, type ApiContext, type Handler } from './api-context.js';
import { tagsAtCreation } from './api-tags.js';
import { terminateEnvironment } from './environments.js';
import { EbError, invalidParameter, type QueryParams, type XmlValue } from './query-protocol.js';
import type { Application, AppVersion, ResourceLifecycleConfig } from './state.js';
import { applyVersionLifecycle, lifecycleXml, normalizeLifecycle } from './version-lifecycle.js';

function createApplication(p: QueryParams, ctx: ApiContext): XmlValue {
  const name = p.required('ApplicationName');
  const { state } = ctx.rt;
  if (state.applications.has(name)) throw invalidParameter(`Application ${name} already exists.`);
  if (state.applications.size >= APPLICATION_QUOTA) {
    throw new EbError('TooManyApplicationsException', `You cannot have more than ${APPLICATION_QUOTA} applications.`);
  }
  const now = new Date();
  const description = p.string('Description');
  const tags = tagsAtCreation(p);
  const lifecycle = ctx.input.ResourceLifecycleConfig as ResourceLifecycleConfig | undefined;
  const created: Application = {
    name, arn: state.arn('application', name), ...(description ? { description } : {}), ...(lifecycle ? { resourceLifecycle: normalizeLifecycle(lifecycle) } : {}), tags, created: now, updated: now,
  };
  state.applications.set(name, created);
  return describeApplication(state, created);
}

/** Applications per region (EB quotas, "Applications: 75"), as DescribeAccountAttributes reports it. */
export const APPLICATION_QUOTA = 75;

export const applicationHandlers: Record<string, Handler> = {
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
    const tags = tagsAtCreation(p);
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
      tags,
      created: now,
      updated: now,
    };
    state.versions.set(`${appName}\u0000${label}`, created);
    if (p.bool('Process') && created.source) void ctx.rt.processVersion(created, ctx.requestId);
    await applyVersionLifecycle(ctx, app(ctx, appName), async (old) => {
      if (old.source) await s3Request(ctx, 'DELETE', old.source.bucket, old.source.key).catch(() => 0);
    });
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
    await ctx.rt.discardBundle(v);
    if (p.bool('DeleteSourceBundle') && v.source) {
      const status = await s3Request(ctx, 'DELETE', v.source.bucket, v.source.key).catch(() => 0);
      if (status !== 204 && status !== 200) {
        throw new EbError('SourceBundleDeletionFailure', `Unable to delete source bundle s3://${v.source.bucket}/${v.source.key} (S3 answered ${status || 'nothing'}); the application version was deleted.`);
      }
    }
    return undefined;
  },

  UpdateApplication(p, ctx) {
    const found = app(ctx, p.required('ApplicationName'));
    const description = p.string('Description');
    if (description !== undefined) found.description = description;
    found.updated = new Date();
    return { Application: describeApplication(ctx.rt.state, found) };
  },

  UpdateApplicationVersion(p, ctx) {
    const appName = p.required('ApplicationName');
    app(ctx, appName);
    const v = version(ctx, appName, p.required('VersionLabel'));
    const description = p.string('Description');
    if (description !== undefined) v.description = description;
    v.updated = new Date();
    return { ApplicationVersion: describeVersion(v) };
  },

  /**
   * DeleteApplication: refused while environments run, unless TerminateEnvByForce terminates them
   * first (API reference); its versions go with it (their S3 bundles stay).
   */
  async DeleteApplication(p, ctx) {
    const { state } = ctx.rt;
    const found = app(ctx, p.required('ApplicationName'));
    const running = state.liveEnvironments().filter((e) => e.app === found.name);
    if (running.length > 0 && !p.bool('TerminateEnvByForce')) {
      throw invalidParameter(`Unable to delete application ${found.name} because it has running environment(s): ${running.map((e) => e.name).join(', ')}.`);
    }
    for (const env of running) if (env.status !== 'Terminating') terminateEnvironment(ctx.rt, env, ctx.requestId);
    for (const v of state.versionsOf(found.name)) {
      state.versions.delete(`${v.app}\u0000${v.label}`);
      await ctx.rt.discardBundle(v);
    }
    state.applications.delete(found.name);
    return undefined;
  },

  UpdateApplicationResourceLifecycle(p, ctx) {
    const found = app(ctx, p.required('ApplicationName'));
    found.resourceLifecycle = normalizeLifecycle(ctx.input.ResourceLifecycleConfig as ResourceLifecycleConfig);
    found.updated = new Date();
    return { ApplicationName: found.name, ResourceLifecycleConfig: lifecycleXml(found) };
  },

  DescribeAccountAttributes(_p, ctx) {
    return {
      ResourceQuotas: {
        ApplicationQuota: { Maximum: APPLICATION_QUOTA },
        ApplicationVersionQuota: { Maximum: ctx.versionQuota },
        EnvironmentQuota: { Maximum: 200 },
        ConfigurationTemplateQuota: { Maximum: 2000 },
        CustomPlatformQuota: { Maximum: 50 },
      },
    };
  },
};
