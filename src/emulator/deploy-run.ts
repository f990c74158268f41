// One deployment under way, as every deployment policy (deployments.ts, new-instance-deployments.ts)
// receives it from environments.ts.
import type { EnvironmentConfig } from './option-settings.js';
import type { Runtime } from './runtime.js';
import type { AppVersion, Environment, Severity } from './state.js';

export interface DeployRun {
  rt: Runtime;
  env: Environment;
  /** Undefined: the sample application. */
  version: AppVersion | undefined;
  config: EnvironmentConfig;
  deploymentId: number;
  signal: AbortSignal;
  emit(message: string, severity?: Severity): void;
}
