// Platforms and configuration: ListAvailableSolutionStacks, DescribeConfigurationSettings,
// ValidateConfigurationSettings, DescribeEnvironmentResources.
import { app, environment, type Handler } from './api-context.js';
import { reportedSettings } from './api-environments.js';
import { checkOptions, CURRENT_SOLUTION_STACKS } from './catalogue.js';
import { resolveConfig } from './option-settings.js';
import { EbError, invalidParameter, type OptionSetting } from './query-protocol.js';

/** What ValidateConfigurationSettings says of one setting: nothing, or EB's error message for it. */
function problemWith(setting: OptionSetting): string | undefined {
  try {
    checkOptions([setting]);
    resolveConfig([setting]);
    return undefined;
  } catch (err) {
    if (err instanceof EbError) return err.message;
    throw err;
  }
}

export const configurationHandlers: Record<string, Handler> = {
  /** Each setting checked against the option catalogue and the values the emulator acts on; `error` messages for the bad ones. */
  ValidateConfigurationSettings(p, ctx) {
    const appName = p.required('ApplicationName');
    app(ctx, appName);
    const template = p.string('TemplateName');
    if (template !== undefined) throw invalidParameter(`No Configuration Template named '${appName}/${template}' found.`);
    const envName = p.string('EnvironmentName');
    if (envName !== undefined && !ctx.rt.state.liveEnvironments().some((e) => e.app === appName && e.name === envName)) {
      throw invalidParameter(`No Environment found for EnvironmentName = '${envName}'.`);
    }
    const messages = p.optionSettings('OptionSettings').flatMap((s) => {
      const problem = problemWith(s);
      return problem === undefined ? [] : [{ Message: problem, Severity: 'error', Namespace: s.namespace, OptionName: s.optionName }];
    });
    return { Messages: messages };
  },

  /** The AWS resources EB would have made for the environment, named as EB names them. */
  DescribeEnvironmentResources(p, ctx) {
    const env = environment(p, ctx);
    return {
      EnvironmentResources: {
        EnvironmentName: env.name,
        AutoScalingGroups: [{ Name: `awseb-${env.id}-stack-AWSEBAutoScalingGroup` }],
        Instances: [...env.instances, ...env.temporaryInstances].map((i) => ({ Id: i.id })),
        LaunchConfigurations: [],
        LaunchTemplates: [{ Id: `lt-${env.id.slice(2)}` }],
        LoadBalancers: [{ Name: `awseb-${env.id}` }],
        Triggers: [],
        Queues: [],
      },
    };
  },

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
