// Platforms and configuration: ListAvailableSolutionStacks, DescribeConfigurationSettings.
import type { Handler } from './api-context.js';
import { CURRENT_SOLUTION_STACKS } from './catalogue.js';

export const configurationHandlers: Record<string, Handler> = {
  ListAvailableSolutionStacks: () => ({
    SolutionStacks: CURRENT_SOLUTION_STACKS,
    SolutionStackDetails: CURRENT_SOLUTION_STACKS.map((name) => ({ SolutionStackName: name, PermittedFileTypes: ['zip'] })),
  }),
};
