// Which IAM action, on which Elastic Beanstalk resource, each EB API call is authorised as — the
// Service Authorization Reference, "Actions, resources, and condition keys for AWS Elastic
// Beanstalk", and the EB developer guide, "Resources and conditions for Elastic Beanstalk actions".
// ARNs: arn:aws:elasticbeanstalk:REGION:ACCOUNT:application/APP, applicationversion/APP/LABEL,
// environment/APP/ENV, configurationtemplate/APP/NAME, platform/NAME/VERSION, and
// arn:aws:elasticbeanstalk:REGION::solutionstack/NAME (no account). Condition keys:
// elasticbeanstalk:InApplication, FromApplicationVersion, FromSolutionStack, FromConfigurationTemplate,
// FromPlatform, FromEnvironment. A call that names no resource is authorised on the wildcard ARN of
// its type (DescribeEnvironments with no filter needs environment/*/*), and calls that have no
// resource type (DescribeAccountAttributes, CreateStorageLocation, ...) on "*".
import type { QueryParams } from '../query-protocol.js';
import type { EbState } from '../state.js';
import type { RequestContext } from './policy.js';

export interface Authorization {
  action: string;
  resource: string;
  context?: RequestContext;
}

function arns(state: EbState) {
  const base = `arn:aws:elasticbeanstalk:${state.region}:${state.accountId}`;
  return {
    application: (app: string) => `${base}:application/${app}`,
    version: (app: string, label: string) => `${base}:applicationversion/${app}/${label}`,
    environment: (app: string, env: string) => `${base}:environment/${app}/${env}`,
    template: (app: string, name: string) => `${base}:configurationtemplate/${app}/${name}`,
    solutionStack: (name: string) => `arn:aws:elasticbeanstalk:${state.region}::solutionstack/${name}`,
  };
}

/** The ARN of the environment a call names (by EnvironmentName or EnvironmentId), and its application. */
function namedEnvironment(p: QueryParams, state: EbState, prefix = ''): { arn: string; app: string } {
  const a = arns(state);
  const name = p.string(`${prefix}EnvironmentName`);
  const id = p.string(`${prefix}EnvironmentId`);
  const found = name !== undefined || id !== undefined ? state.findEnvironment(id ? { id } : { name: name ?? '' }) : undefined;
  if (found) return { arn: a.environment(found.app, found.name), app: found.app };
  const app = p.string('ApplicationName') ?? '*';
  return { arn: a.environment(app, name ?? id ?? '*'), app };
}

const GLOBAL = new Set([
  'CheckDNSAvailability', 'CreateStorageLocation', 'DescribeAccountAttributes', 'ListAvailableSolutionStacks', 'ListPlatformVersions',
  'ListPlatformBranches', 'DescribePlatformVersion', 'DescribeConfigurationOptions',
]);

/** The authorisations one EB call needs; every one must be allowed. */
export function ebAuthorizations(action: string, p: QueryParams, state: EbState): Authorization[] {
  const a = arns(state);
  const iam = (name: string, resource: string, context?: RequestContext): Authorization => ({ action: `elasticbeanstalk:${name}`, resource, ...(context ? { context } : {}) });
  const appName = p.string('ApplicationName');
  const inApp = (app: string | undefined): RequestContext => (app && app !== '*' ? { 'elasticbeanstalk:InApplication': a.application(app) } : {});

  if (GLOBAL.has(action)) return [iam(action, '*')];
  switch (action) {
    case 'CreateApplication':
    case 'DeleteApplication':
    case 'UpdateApplication':
    case 'UpdateApplicationResourceLifecycle':
      return [iam(action, a.application(appName ?? '*'))];
    case 'DescribeApplications': {
      const names = p.list('ApplicationNames');
      return (names.length > 0 ? names : ['*']).map((n) => iam(action, a.application(n)));
    }
    case 'CreateApplicationVersion':
    case 'DeleteApplicationVersion':
    case 'UpdateApplicationVersion':
      return [iam(action, a.version(appName ?? '*', p.string('VersionLabel') ?? '*'), inApp(appName))];
    case 'DescribeApplicationVersions': {
      const labels = p.list('VersionLabels');
      return (labels.length > 0 ? labels : ['*']).map((l) => iam(action, a.version(appName ?? '*', l), inApp(appName)));
    }
    case 'DescribeEnvironments': {
      const names = p.list('EnvironmentNames');
      const ids = p.list('EnvironmentIds');
      const named = [...names.map((name) => state.findEnvironment({ name }) ?? { app: appName ?? '*', name }), ...ids.map((id) => state.findEnvironment({ id }) ?? { app: appName ?? '*', name: '*' })];
      return (named.length > 0 ? named : [{ app: appName ?? '*', name: '*' }]).map((e) => iam(action, a.environment(e.app, e.name), inApp(e.app)));
    }
    case 'CreateEnvironment': {
      const app = appName ?? '*';
      const label = p.string('VersionLabel');
      const stack = p.string('SolutionStackName');
      const template = p.string('TemplateName');
      const context: RequestContext = {
        ...inApp(app),
        ...(label ? { 'elasticbeanstalk:FromApplicationVersion': a.version(app, label) } : {}),
        ...(stack ? { 'elasticbeanstalk:FromSolutionStack': a.solutionStack(stack) } : {}),
        ...(template ? { 'elasticbeanstalk:FromConfigurationTemplate': a.template(app, template) } : {}),
        ...(p.string('PlatformArn') ? { 'elasticbeanstalk:FromPlatform': p.string('PlatformArn') } : {}),
      };
      return [iam(action, a.environment(app, p.string('EnvironmentName') ?? '*'), context)];
    }
    case 'UpdateEnvironment': {
      const env = namedEnvironment(p, state);
      const label = p.string('VersionLabel');
      const stack = p.string('SolutionStackName');
      const template = p.string('TemplateName');
      return [iam(action, env.arn, {
        ...inApp(env.app),
        ...(label ? { 'elasticbeanstalk:FromApplicationVersion': a.version(env.app, label) } : {}),
        ...(stack ? { 'elasticbeanstalk:FromSolutionStack': a.solutionStack(stack) } : {}),
        ...(template ? { 'elasticbeanstalk:FromConfigurationTemplate': a.template(env.app, template) } : {}),
      })];
    }
    case 'SwapEnvironmentCNAMEs': {
      const source = namedEnvironment(p, state, 'Source');
      const destination = namedEnvironment(p, state, 'Destination');
      return [
        iam(action, source.arn, { ...inApp(source.app), 'elasticbeanstalk:FromEnvironment': destination.arn }),
        iam(action, destination.arn, { ...inApp(destination.app), 'elasticbeanstalk:FromEnvironment': source.arn }),
      ];
    }
    case 'DescribeEvents': {
      // Events are authorised on the most specific resource the filter names.
      const envName = p.string('EnvironmentName') ?? p.string('EnvironmentId');
      if (envName !== undefined) {
        const env = namedEnvironment(p, state);
        return [iam(action, env.arn, inApp(env.app))];
      }
      const label = p.string('VersionLabel');
      if (label !== undefined) return [iam(action, a.version(appName ?? '*', label), inApp(appName))];
      if (appName !== undefined) return [iam(action, a.application(appName))];
      return [iam(action, '*')];
    }
    case 'CreateConfigurationTemplate':
    case 'DeleteConfigurationTemplate':
    case 'UpdateConfigurationTemplate':
      return [iam(action, a.template(appName ?? '*', p.string('TemplateName') ?? '*'), inApp(appName))];
    case 'DescribeConfigurationSettings':
    case 'ValidateConfigurationSettings':
    case 'DeleteEnvironmentConfiguration': {
      const template = p.string('TemplateName');
      if (template !== undefined) return [iam(action, a.template(appName ?? '*', template), inApp(appName))];
      const env = namedEnvironment(p, state);
      return [iam(action, env.arn, inApp(env.app))];
    }
    case 'ListTagsForResource':
      return [iam(action, p.string('ResourceArn') ?? '*')];
    case 'UpdateTagsForResource': {
      // Authorised as two actions, one per list (EB API reference, UpdateTagsForResource).
      const resource = p.string('ResourceArn') ?? '*';
      const out: Authorization[] = [];
      if (p.string('TagsToAdd.member.1.Key') !== undefined) out.push(iam('AddTags', resource));
      if (p.string('TagsToRemove.member.1') !== undefined) out.push(iam('RemoveTags', resource));
      return out.length > 0 ? out : [iam('AddTags', resource)];
    }
    default: {
      // The environment-level calls: AbortEnvironmentUpdate, TerminateEnvironment, RebuildEnvironment,
      // RestartAppServer, DescribeEnvironmentHealth, DescribeInstancesHealth, DescribeEnvironmentResources,
      // RequestEnvironmentInfo, RetrieveEnvironmentInfo, managed actions.
      if (p.string('EnvironmentName') !== undefined || p.string('EnvironmentId') !== undefined) {
        const env = namedEnvironment(p, state);
        return [iam(action, env.arn, inApp(env.app))];
      }
      return [iam(action, '*')];
    }
  }
}
