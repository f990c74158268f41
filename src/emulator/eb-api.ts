// The Elastic Beanstalk actions: validate like EB, answer at once, run the slow part in the background.
import { applicationHandlers } from './api-applications.js';
import type { Handler } from './api-context.js';
import { configurationHandlers } from './api-configuration.js';
import { environmentActionHandlers } from './api-environment-actions.js';
import { environmentHandlers } from './api-environments.js';
import { tagHandlers } from './api-tags.js';

export type { ApiContext } from './api-context.js';

export const handlers: Record<string, Handler> = { ...applicationHandlers, ...environmentHandlers, ...environmentActionHandlers, ...configurationHandlers, ...tagHandlers };
