// Environments, their events and health: EB's environment-level actions.
import { describeEnvironment, describeEvent, describeInstanceHealth, isAbortable, picker } from './describe.js';
import { environment, NAME_PATTERN, page, app, version, type Handler } from './api-context.js';
import { abortUpdate, configFor, launchEnvironment, terminateEnvironment, updateEnvironment } from './environments.js';
import { HEALTH_STATUSES } from './health.js';
import { applicationMetrics, LoadBalancer } from './load-balancer.js';
import { routingOf } from './new-instance-deployments.js';
import { mergeOptionSettings, NS_HEALTH_REPORTING, resolveConfig, withoutOptions, type OptionSpecification } from './option-settings.js';
import type { InputValue } from './model/request-input.js';
import { ENVIRONMENT_SYSTEM_TAGS, tagsAtCreation } from './api-tags.js';
import { checkOptions, checkPlatformArn, checkSolutionStack } from './catalogue.js';
import { EbError, invalidParameter, type OptionSetting, type QueryParams } from './query-protocol.js';
import { DEFAULT_SOLUTION_STACK, newEnvironmentId, SEVERITIES, type Environment } from './state.js';

/** OptionsToRemove as the model reads it (a list of OptionSpecification). */
function optionSpecifications(input: InputValue | undefined): OptionSpecification[] {
  if (!Array.isArray(input)) return [];
  return input.map((item) => {
    const o = item as { Namespace?: string; OptionName?: string; ResourceName?: string };
    if (!o.Namespace || !o.OptionName) throw invalidParameter('Each OptionsToRemove member must have a Namespace and an OptionName.');
    return { namespace: o.Namespace, optionName: o.OptionName, ...(o.ResourceName ? { resourceName: o.ResourceName } : {}) };
  });
}

/**
 * SolutionStackName, PlatformArn and TemplateName: at most one, each known. The emulator has no
 * configuration templates (CreateConfigurationTemplate is not emulated), so every TemplateName is unknown.
 */
function checkPlatformChoice(p: QueryParams): { solutionStack?: string; platformArn?: string } {
  const solutionStack = p.string('SolutionStackName');
  const platformArn = p.string('PlatformArn');
  const template = p.string('TemplateName');
  const given = [solutionStack, platformArn, template].filter((x) => x !== undefined).length;
  if (given > 1) throw new EbError('InvalidParameterCombination', 'You cannot specify more than one of SolutionStackName, PlatformArn and TemplateName.');
  if (template !== undefined) throw invalidParameter(`No Configuration Template named '${template}' found.`);
  if (solutionStack !== undefined) checkSolutionStack(solutionStack);
  if (platformArn !== undefined) checkPlatformArn(platformArn);
  return { ...(solutionStack === undefined ? {} : { solutionStack }), ...(platformArn === undefined ? {} : { platformArn }) };
}

/**
 * Settings EB reports for every environment unless changed (a small part of EB's full list: the
 * ones a deploy tool reads). IamInstanceProfile and ServiceRole have no default: EB no longer
 * creates them (docs/aws-setup.md), so an environment has them only when they were given.
 */
const REPORTED_DEFAULTS: OptionSetting[] = [
  { namespace: 'aws:elasticbeanstalk:environment', optionName: 'EnvironmentType', value: 'LoadBalanced' },
  { namespace: 'aws:elasticbeanstalk:environment', optionName: 'LoadBalancerType', value: 'application' },
  { namespace: NS_HEALTH_REPORTING, optionName: 'SystemType', value: 'enhanced' },
  { namespace: 'aws:elasticbeanstalk:command', optionName: 'DeploymentPolicy', value: 'AllAtOnce' },
  { namespace: 'aws:autoscaling:asg', optionName: 'MinSize', value: '1' },
  { namespace: 'aws:autoscaling:asg', optionName: 'MaxSize', value: '4' },
];

/** The settings an environment reports (DescribeConfigurationSettings): EB's defaults, the running bundle's, the API's. */
export function reportedSettings(env: Environment, ctx: Parameters<Handler>[1]): OptionSetting[] {
  const running = env.versionLabel === undefined ? undefined : ctx.rt.state.version(env.app, env.versionLabel);
  return mergeOptionSettings(REPORTED_DEFAULTS, ctx.rt.bundleInfo(running).optionSettings, env.apiOptionSettings);
}

/** EB answers the health calls only with enhanced health: "DescribeEnvironmentHealth is not supported." */
function requireEnhancedHealth(env: Environment, ctx: Parameters<Handler>[1], action: string): void {
  const system = reportedSettings(env, ctx).find((s) => s.namespace === NS_HEALTH_REPORTING && s.optionName === 'SystemType');
  if (system?.value === 'basic') throw new EbError('InvalidRequestException', `${action} is not supported.`);
}

export const environmentHandlers: Record<string, Handler> = {
  async CreateEnvironment(p, ctx) {
    const { rt } = ctx;
    const appName = p.required('ApplicationName');
    const name = p.required('EnvironmentName');
    app(ctx, appName);
    if (!NAME_PATTERN.test(name)) {
      throw invalidParameter(`Value ${name} at 'EnvironmentName' failed to satisfy constraint: it must be 4 to 40 letters, digits or hyphens, not starting or ending with a hyphen.`);
    }
    if (rt.state.liveEnvironments().some((e) => e.name === name)) throw invalidParameter(`Environment ${name} already exists.`);
    const platform = checkPlatformChoice(p);
    const label = p.string('VersionLabel');
    const v = label === undefined ? undefined : version(ctx, appName, label);
    const optionSettings = p.optionSettings('OptionSettings');
    checkOptions(optionSettings);
    resolveConfig(optionSettings);
    const tags = tagsAtCreation(p, ENVIRONMENT_SYSTEM_TAGS);
    const id = newEnvironmentId();
    const now = new Date();
    const description = p.string('Description');
    const { platformArn } = platform;
    const env: Environment = {
      id,
      name,
      app: appName,
      arn: rt.state.arn('environment', `${appName}/${name}`),
      ...(label !== undefined ? { versionLabel: label } : {}),
      ...(description ? { description } : {}),
      ...(platformArn ? { platformArn } : {}),
      solutionStack: platform.solutionStack ?? DEFAULT_SOLUTION_STACK,
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
      lb: new LoadBalancer(() => routingOf(env), rt.host),
      deploymentCounter: 0,
      tags,
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
    const platform = checkPlatformChoice(p);
    const label = p.string('VersionLabel');
    const v = label === undefined ? undefined : version(ctx, env.app, label);
    const optionSettings = p.optionSettings('OptionSettings');
    checkOptions(optionSettings);
    const optionsToRemove = optionSpecifications(ctx.input.OptionsToRemove);
    checkOptions(optionsToRemove);
    configFor({ ...env, apiOptionSettings: withoutOptions(mergeOptionSettings(env.apiOptionSettings, optionSettings), optionsToRemove) }, undefined, rt);
    const description = p.string('Description');
    if (description !== undefined) env.description = description;
    // A platform update is recorded, not emulated: instances keep running the bundle as before.
    if (platform.solutionStack !== undefined) env.solutionStack = platform.solutionStack;
    if (platform.platformArn !== undefined) env.platformArn = platform.platformArn;
    if (v || optionSettings.length > 0 || optionsToRemove.length > 0) {
      updateEnvironment(rt, env, { ...(v ? { version: v } : {}), optionSettings, optionsToRemove, requestId: ctx.requestId, stuck: rt.faults.takeStuckUpdate(env.name) });
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

  // AttributeNames as the EB API reference words them: "To retrieve all attributes, set to All. If no
  // attribute names are specified, returns the name of the environment" (DescribeEnvironmentHealth),
  // "... returns a list of instances" (DescribeInstancesHealth: each with its InstanceId only).
  DescribeEnvironmentHealth(p, ctx) {
    const env = environment(p, ctx, 'InvalidRequestException');
    requireEnhancedHealth(env, ctx, 'DescribeEnvironmentHealth');
    const pick = picker(p.list('AttributeNames'));
    const counts = Object.fromEntries(
      HEALTH_STATUSES.map((s) => [s, env.instances.filter((i) => i.health.status === s).length]),
    );
    return {
      EnvironmentName: env.name,
      HealthStatus: pick('HealthStatus', () => env.healthStatus),
      Status: pick('Status', () => env.status),
      Color: pick('Color', () => env.health),
      Causes: pick('Causes', () => env.causes),
      ApplicationMetrics: pick('ApplicationMetrics', () => applicationMetrics(env.lb.served, Date.now(), 10_000, 10)),
      InstancesHealth: pick('InstancesHealth', () => counts),
      RefreshedAt: pick('RefreshedAt', () => env.healthRefreshedAt),
    };
  },

  DescribeInstancesHealth(p, ctx) {
    const env = environment(p, ctx, 'InvalidRequestException');
    requireEnhancedHealth(env, ctx, 'DescribeInstancesHealth');
    const pick = picker(p.list('AttributeNames'));
    const all = [...env.instances, ...env.temporaryInstances];
    const { page: shown, nextToken } = page(all, p, 1000);
    return {
      InstanceHealthList: shown.map((i) => describeInstanceHealth(i, pick, env.lb.served)),
      RefreshedAt: pick('RefreshedAt', () => env.healthRefreshedAt),
      NextToken: nextToken,
    };
  },
};
