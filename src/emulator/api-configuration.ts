// Platforms and configuration: ListAvailableSolutionStacks, DescribeConfigurationSettings.
import { app, environment, type Handler } from './api-context.js';
import { reportedSettings } from './api-environments.js';
import { CURRENT_SOLUTION_STACKS } from './catalogue.js';
import { EbError, invalidParameter } from './query-protocol.js';

export const configurationHandlers: Record<string, Handler> = {
  ListAvailableSolutionStacks: () => ({
    SolutionStacks: CURRENT_SOLUTION_STACKS,
    SolutionStackDetails: CURRENT_SOLUTION_STACKS.map((name) => ({ SolutionStackName: name, PermittedFileTypes: ['zip'] })),
  }),

  /** The environment's settings: EB's reported defaults, then the running bundle's, then the API's. */
  DescribeConfigurationSettings(p, ctx) {
    const appName = p.required('ApplicationName');
    app(ctx, appName);
    if (p.string('TemplateName') !== undefined) throw invalidParameter(`No Configuration Template named '${appName}/${p.string('TemplateName') ?? ''}' found.`);
    if (p.string('EnvironmentName') === undefined) throw new EbError('MissingParameter', 'The request must contain the parameter EnvironmentName or TemplateName');
    const env = environment(p, ctx);
    if (env.app !== appName) throw invalidParameter(`No Environment found for EnvironmentName = '${env.name}'.`);
    return {
      ConfigurationSettings: [
        {
          SolutionStackName: env.solutionStack,
          PlatformArn: env.platformArn,
          ApplicationName: env.app,
          EnvironmentName: env.name,
          DeploymentStatus: 'deployed',
          DateCreated: env.created,
          DateUpdated: env.updated,
          OptionSettings: reportedSettings(env, ctx).map((s) => ({ ResourceName: s.resourceName, Namespace: s.namespace, OptionName: s.optionName, Value: s.value })),
        },
      ],
    };
  },
};
