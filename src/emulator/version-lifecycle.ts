// An application's version lifecycle (ResourceLifecycleConfig, EB developer guide "Configuring
// application version lifecycle settings"): keep at most MaxCount versions and/or none older than
// MaxAgeInDays, applied when a version is created; a version an environment uses is never deleted.
import type { ApiContext } from './api-context.js';
import type { XmlValue } from './query-protocol.js';
import type { Application, AppVersion, LifecycleRule, ResourceLifecycleConfig } from './state.js';

/** What DescribeApplications shows for an application never configured: EB's defaults, both rules off. */
export const DEFAULT_LIFECYCLE: ResourceLifecycleConfig = {
  VersionLifecycleConfig: {
    MaxCountRule: { Enabled: false, MaxCount: 200, DeleteSourceFromS3: false },
    MaxAgeRule: { Enabled: false, MaxAgeInDays: 180, DeleteSourceFromS3: false },
  },
};

/** A configuration as EB keeps it: both rules, each with every field (EB's defaults where not given). */
export function normalizeLifecycle(given: ResourceLifecycleConfig): ResourceLifecycleConfig {
  const defaults = DEFAULT_LIFECYCLE.VersionLifecycleConfig ?? {};
  const rules = given.VersionLifecycleConfig ?? {};
  return {
    ...(given.ServiceRole !== undefined ? { ServiceRole: given.ServiceRole } : {}),
    VersionLifecycleConfig: {
      MaxCountRule: { ...(defaults.MaxCountRule as LifecycleRule), ...rules.MaxCountRule },
      MaxAgeRule: { ...(defaults.MaxAgeRule as LifecycleRule), ...rules.MaxAgeRule },
    },
  };
}

export const lifecycleXml = (app: Application): XmlValue => (app.resourceLifecycle ?? DEFAULT_LIFECYCLE) as XmlValue;

function inUse(ctx: ApiContext, v: AppVersion): boolean {
  return ctx.rt.state
    .liveEnvironments()
    .some((e) => e.app === v.app && (e.versionLabel === v.label || e.operation?.label === v.label || [...e.instances, ...e.temporaryInstances].some((i) => i.deployment.versionLabel === v.label)));
}

/** Applies the application's rules; returns the labels deleted. */
export async function applyVersionLifecycle(ctx: ApiContext, app: Application, deleteSource: (v: AppVersion) => Promise<void>): Promise<string[]> {
  const rules = app.resourceLifecycle?.VersionLifecycleConfig;
  if (!rules) return [];
  const { state } = ctx.rt;
  const oldestFirst = state.versionsOf(app.name).sort((a, b) => a.created.getTime() - b.created.getTime());
  const doomed = new Map<AppVersion, boolean>();
  const count = rules.MaxCountRule;
  if (count?.Enabled && count.MaxCount !== undefined && oldestFirst.length > count.MaxCount) {
    for (const v of oldestFirst.slice(0, oldestFirst.length - count.MaxCount)) doomed.set(v, count.DeleteSourceFromS3 ?? false);
  }
  const age = rules.MaxAgeRule;
  if (age?.Enabled && age.MaxAgeInDays !== undefined) {
    const cutoff = Date.now() - age.MaxAgeInDays * 86_400_000;
    for (const v of oldestFirst) if (v.created.getTime() < cutoff) doomed.set(v, (doomed.get(v) ?? false) || (age.DeleteSourceFromS3 ?? false));
  }
  const deleted: string[] = [];
  for (const [v, withSource] of doomed) {
    if (inUse(ctx, v) || v.status === 'Processing') continue;
    state.versions.delete(`${v.app}\u0000${v.label}`);
    await ctx.rt.discardBundle(v);
    if (withSource && v.source) await deleteSource(v);
    deleted.push(v.label);
  }
  if (deleted.length > 0) {
    state.addEvent({ message: `Application version lifecycle deleted application version(s) ${deleted.join(', ')} of ${app.name}.`, severity: 'INFO', app: app.name, requestId: ctx.requestId });
  }
  return deleted;
}
