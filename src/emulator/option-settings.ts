// The option settings an environment runs with: EB's defaults, then the deployed bundle's
// .ebextensions, then the settings given to CreateEnvironment/UpdateEnvironment (EB's precedence).
import { invalidParameter, type OptionSetting } from './query-protocol.js';

export const NS_COMMAND = 'aws:elasticbeanstalk:command';
export const NS_ENV_VARS = 'aws:elasticbeanstalk:application:environment';
export const NS_PROCESS = 'aws:elasticbeanstalk:environment:process:default';
export const NS_ASG = 'aws:autoscaling:asg';
export const NS_HEALTH_REPORTING = 'aws:elasticbeanstalk:healthreporting:system';
export const NS_TRAFFIC_SPLITTING = 'aws:elasticbeanstalk:trafficsplitting';

export const DEPLOYMENT_POLICIES = ['AllAtOnce', 'Rolling', 'RollingWithAdditionalBatch', 'Immutable', 'TrafficSplitting'] as const;
export type DeploymentPolicy = (typeof DEPLOYMENT_POLICIES)[number];
/** HealthCheckSuccessThreshold: the worst instance status that still counts as passing a health check. */
export const SUCCESS_THRESHOLDS = ['Ok', 'Warning', 'Degraded', 'Severe'] as const;
export type SuccessThreshold = (typeof SUCCESS_THRESHOLDS)[number];

export interface EnvironmentConfig {
  healthCheckPath: string;
  deploymentPolicy: DeploymentPolicy;
  batchSizeType: 'Percentage' | 'Fixed';
  batchSize: number;
  minSize: number;
  maxSize: number;
  /** aws:elasticbeanstalk:command Timeout: seconds a deployment may take before it fails. */
  commandTimeout: number;
  /** aws:elasticbeanstalk:command IgnoreHealthCheck: batches need not pass health checks. */
  ignoreHealthCheck: boolean;
  healthCheckSuccessThreshold: SuccessThreshold;
  /** aws:elasticbeanstalk:trafficsplitting: the canary's share of requests (%) and how long it is evaluated (minutes). */
  newVersionPercent: number;
  evaluationTime: number;
  envVars: Record<string, string>;
}

/** A setting named without a value: what OptionsToRemove lists. */
export type OptionSpecification = Omit<OptionSetting, 'value'>;

/** `settings` without the removed options: they fall back to the bundle's value or EB's default. */
export function withoutOptions(settings: OptionSetting[], removed: OptionSpecification[]): OptionSetting[] {
  return settings.filter((s) => !removed.some((r) => r.namespace === s.namespace && r.optionName === s.optionName));
}

/** Later settings override earlier ones with the same namespace and option name. */
export function mergeOptionSettings(...layers: OptionSetting[][]): OptionSetting[] {
  const merged = new Map<string, OptionSetting>();
  for (const layer of layers) for (const s of layer) merged.set(`${s.namespace}\u0000${s.optionName}`, s);
  return [...merged.values()];
}

function invalidOption(s: OptionSetting, expected: string): Error {
  return invalidParameter(
    `Invalid option value: '${s.value}' (Namespace: '${s.namespace}', OptionName: '${s.optionName}'): ${expected}`,
  );
}

function intOption(s: OptionSetting, min: number, max: number): number {
  const n = Number(s.value);
  if (!/^\d+$/.test(s.value) || n < min || n > max) throw invalidOption(s, `Value is less than minimum allowed value: ${min} or more than maximum: ${max}`);
  return n;
}

function booleanOption(s: OptionSetting): boolean {
  if (!/^(true|false)$/i.test(s.value)) throw invalidOption(s, 'Value is not one of the allowed values: [true, false]');
  return s.value.toLowerCase() === 'true';
}

/** Reads the settings the emulator acts on; throws InvalidParameterValue with EB's wording for bad values. */
export function resolveConfig(settings: OptionSetting[]): EnvironmentConfig {
  const config: EnvironmentConfig = {
    healthCheckPath: '/',
    deploymentPolicy: 'AllAtOnce',
    batchSizeType: 'Percentage',
    batchSize: 100,
    minSize: 1,
    maxSize: 4,
    commandTimeout: 600,
    ignoreHealthCheck: false,
    healthCheckSuccessThreshold: 'Ok',
    newVersionPercent: 10,
    evaluationTime: 5,
    envVars: {},
  };
  let batchSizeGiven = false;
  for (const s of settings) {
    const key = `${s.namespace}|${s.optionName}`;
    if (s.namespace === NS_ENV_VARS) config.envVars[s.optionName] = s.value;
    else if (key === `${NS_PROCESS}|HealthCheckPath` || key === 'aws:elasticbeanstalk:application|Application Healthcheck URL') {
      if (!s.value.startsWith('/')) throw invalidOption(s, 'Value must be a path that starts with /');
      config.healthCheckPath = s.value;
    } else if (key === `${NS_COMMAND}|DeploymentPolicy`) {
      if (!(DEPLOYMENT_POLICIES as readonly string[]).includes(s.value)) {
        throw invalidOption(s, `Value is not one of the allowed values: [${DEPLOYMENT_POLICIES.join(', ')}]`);
      }
      config.deploymentPolicy = s.value as DeploymentPolicy;
    } else if (key === `${NS_COMMAND}|BatchSizeType`) {
      if (s.value !== 'Percentage' && s.value !== 'Fixed') throw invalidOption(s, 'Value is not one of the allowed values: [Percentage, Fixed]');
      config.batchSizeType = s.value;
    } else if (key === `${NS_COMMAND}|BatchSize`) {
      config.batchSize = intOption(s, 1, 10000);
      batchSizeGiven = true;
    } else if (key === `${NS_COMMAND}|Timeout`) config.commandTimeout = intOption(s, 1, 3600);
    else if (key === `${NS_COMMAND}|IgnoreHealthCheck`) config.ignoreHealthCheck = booleanOption(s);
    else if (key === `${NS_HEALTH_REPORTING}|HealthCheckSuccessThreshold`) {
      if (!(SUCCESS_THRESHOLDS as readonly string[]).includes(s.value)) {
        throw invalidOption(s, `Value is not one of the allowed values: [${SUCCESS_THRESHOLDS.join(', ')}]`);
      }
      config.healthCheckSuccessThreshold = s.value as SuccessThreshold;
    } else if (key === `${NS_TRAFFIC_SPLITTING}|NewVersionPercent`) config.newVersionPercent = intOption(s, 1, 100);
    else if (key === `${NS_TRAFFIC_SPLITTING}|EvaluationTime`) config.evaluationTime = intOption(s, 3, 600);
    else if (key === `${NS_ASG}|MinSize`) config.minSize = intOption(s, 0, 10000);
    else if (key === `${NS_ASG}|MaxSize`) config.maxSize = intOption(s, 1, 10000);
  }
  // EB's default batch for rolling policies is 30 %; AllAtOnce is one batch of everything.
  if (!batchSizeGiven && config.deploymentPolicy !== 'AllAtOnce' && config.batchSizeType === 'Percentage') config.batchSize = 30;
  if (config.minSize > config.maxSize) {
    throw invalidParameter(`Invalid option specification (Namespace: '${NS_ASG}', OptionName: 'MinSize'): MinSize (${config.minSize}) must be less than or equal to MaxSize (${config.maxSize}).`);
  }
  return config;
}

/** Instances per batch for a rolling deployment over `count` instances. */
export function batchCount(config: EnvironmentConfig, count: number): number {
  if (count === 0) return 0;
  const size = config.batchSizeType === 'Fixed' ? config.batchSize : Math.ceil((count * config.batchSize) / 100);
  return Math.max(1, Math.min(count, size));
}
