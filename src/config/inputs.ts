// The typed, validated inputs of every action and CLI command, read through one InputReader
// (core.getInput in actions, parsed flags in the CLI). Names and defaults are the action's interface
// (src/config/interface/actions.ts): a name it does not declare does not compile.
import {
  parseBoolean, parseBucket, parseBundlePath, parseChoice, parseDuration, parseInteger, parseKeyPrefix,
  parseLabelList, parseRegion, parseUrl, readString, requireValue, validateApplicationName,
  validateEnvironmentName, validateVersionLabel, type InputReader,
} from './parse.js';
import { ConfigurationError } from './errors.js';
import { CREATE_VERSION, DEPLOY, DEPLOY_VERSION, PRUNE_VERSIONS, ROLLBACK_ACTION, UPLOAD_BUNDLE } from './interface/actions.js';
import { GATE_INPUTS, type BUNDLE_INPUTS } from './interface/shared.js';
import { withDefaults, type InputName } from './interface/spec.js';

export type MinHealth = 'ok' | 'warning';

export interface GateSettings {
  minHealth: MinHealth;
  healthyChecks: number;
  /** How long health must hold after the first passing check (and across two EB health reports). */
  stableMs: number;
  /** After the update finished: how long health may stay below min-health while not Severe/Degraded. */
  settleTimeoutMs: number;
  /** After the update finished: extra time a Severe/Degraded release is given beyond two consecutive health reports. */
  unhealthyGraceMs: number;
  healthUrl: string | undefined;
  healthUrlExpectVersion: boolean;
  readyTimeoutMs: number;
  deployTimeoutMs: number;
}

export interface BundleSettings {
  bundlePath: string;
  bucket: string | undefined;
  keyPrefix: string;
}

export interface UploadInputs extends BundleSettings {
  applicationName: string;
  region: string | undefined;
}

export interface CreateVersionInputs {
  applicationName: string;
  region: string | undefined;
  versionLabel: string | undefined;
  versionDescription: string;
  /** Either a local bundle to upload, or an object already in S3. */
  bundle: BundleSettings | undefined;
  s3: { bucket: string | undefined; key: string } | undefined;
  processingTimeoutMs: number;
  keepVersions: number;
  deleteSourceBundles: boolean;
}

export interface DeployVersionInputs {
  applicationName: string;
  environmentName: string;
  region: string | undefined;
  /** Without promoteFrom: required. With it: the version the source must run (undefined: whatever it runs). */
  versionLabel: string | undefined;
  /** Promote from this environment: only a version verified there, which it runs Ready and Green now. */
  promoteFrom: string | undefined;
  gate: GateSettings;
  rollback: boolean;
  summary: boolean;
  /** Read-only checks of permissions and resources before anything changes (src/engine/preflight.ts). */
  preflight: boolean;
}

export interface DeployInputs extends Omit<DeployVersionInputs, 'versionLabel' | 'promoteFrom'> {
  versionLabel: string | undefined;
  versionDescription: string;
  bundle: BundleSettings;
  keepVersions: number;
  deleteSourceBundles: boolean;
}

export interface RollbackInputs extends Omit<DeployVersionInputs, 'versionLabel' | 'promoteFrom' | 'rollback' | 'preflight'> {
  versionLabel: string | undefined;
}

export interface PruneInputs {
  applicationName: string;
  region: string | undefined;
  keepVersions: number;
  protectLabels: string[];
  deleteSourceBundles: boolean;
}

/** The stability window's default (why 45: GATE_INPUTS in src/config/interface/shared.ts). */
export const DEFAULT_STABLE_SECONDS = Number(GATE_INPUTS['stable-seconds'].default);

const MIN_HEALTH: Record<string, MinHealth> = { ok: 'ok', green: 'ok', warning: 'warning', yellow: 'warning' };

type GateInput = keyof typeof GATE_INPUTS;
type BundleInput = keyof typeof BUNDLE_INPUTS;

function applicationName(get: InputReader<'application-name'>): string {
  return validateApplicationName('application-name', requireValue(get, 'application-name'));
}

function environmentName(get: InputReader<'environment-name'>): string {
  return validateEnvironmentName('environment-name', requireValue(get, 'environment-name'));
}

function optionalLabel(get: InputReader<'version-label'>): string | undefined {
  const v = readString(get, 'version-label');
  return v ? validateVersionLabel('version-label', v) : undefined;
}

function description(get: InputReader<'version-description'>): string {
  const v = readString(get, 'version-description');
  if (v.length > 200) throw new ConfigurationError('input "version-description" is too long: expected at most 200 characters');
  return v;
}

export function readGateSettings(given: InputReader<GateInput>): GateSettings {
  const get = withDefaults(GATE_INPUTS, given);
  const gate: GateSettings = {
    minHealth: parseChoice(get, 'min-health', MIN_HEALTH),
    healthyChecks: parseInteger(get, 'healthy-checks', 1, 100),
    stableMs: parseInteger(get, 'stable-seconds', 0, 3600) * 1000,
    settleTimeoutMs: parseDuration(get, 'settle-timeout'),
    unhealthyGraceMs: parseDuration(get, 'unhealthy-grace', true),
    healthUrl: parseUrl(get, 'health-url'),
    healthUrlExpectVersion: parseBoolean(get, 'health-url-expect-version'),
    readyTimeoutMs: parseDuration(get, 'ready-timeout'),
    deployTimeoutMs: parseDuration(get, 'deploy-timeout'),
  };
  if (gate.stableMs >= gate.deployTimeoutMs)
    throw new ConfigurationError(
      `input "stable-seconds" (${gate.stableMs / 1000}${readString(given, 'stable-seconds') ? '' : ', its default'}) is not shorter than "deploy-timeout" (${gate.deployTimeoutMs / 1000} s): expected a stability window that fits inside the deadline, with time for the update`,
    );
  if (gate.healthUrlExpectVersion && !gate.healthUrl)
    throw new ConfigurationError('input "health-url-expect-version" is "true" but "health-url" is empty: expected a health URL to check');
  return gate;
}

function bundleSettings(get: InputReader<BundleInput>, app: string): BundleSettings {
  return {
    bundlePath: parseBundlePath(get, 'bundle'),
    bucket: parseBucket(get, 'bucket'),
    keyPrefix: parseKeyPrefix(get, 'key-prefix', `eb-pipeline/${app}`),
  };
}

export function readUploadInputs(given: InputReader<InputName<typeof UPLOAD_BUNDLE>>): UploadInputs {
  const get = withDefaults(UPLOAD_BUNDLE.inputs, given);
  const app = applicationName(get);
  const region = parseRegion(get, 'region');
  return { applicationName: app, region, ...bundleSettings(get, app) };
}

export function readCreateVersionInputs(given: InputReader<InputName<typeof CREATE_VERSION>>): CreateVersionInputs {
  const get = withDefaults(CREATE_VERSION.inputs, given);
  const app = applicationName(get);
  const region = parseRegion(get, 'region');
  const versionLabel = optionalLabel(get);
  const versionDescription = description(get);
  const key = readString(get, 's3-key');
  const hasBundle = readString(get, 'bundle') !== '';
  if (hasBundle === (key !== ''))
    throw new ConfigurationError('inputs "bundle" and "s3-key": expected exactly one of them (a local bundle to upload, or the key of an uploaded one)');
  if (key && (key.startsWith('/') || key.length > 1024))
    throw new ConfigurationError(`input "s3-key" is invalid ("${key.slice(0, 60)}"): expected an S3 key without a leading "/"`);
  const bucket = parseBucket(get, 'bucket');
  return {
    applicationName: app,
    region,
    versionLabel,
    versionDescription,
    bundle: hasBundle ? bundleSettings(get, app) : undefined,
    s3: key ? { bucket, key } : undefined,
    processingTimeoutMs: parseDuration(get, 'processing-timeout'),
    keepVersions: parseInteger(get, 'keep-versions', 0, 1000),
    deleteSourceBundles: parseBoolean(get, 'delete-source-bundles'),
  };
}

export function readDeployVersionInputs(given: InputReader<InputName<typeof DEPLOY_VERSION>>): DeployVersionInputs {
  const get = withDefaults(DEPLOY_VERSION.inputs, given);
  const app = applicationName(get);
  const environment = environmentName(get);
  const from = readString(get, 'promote-from-environment');
  const promoteFrom = from ? validateEnvironmentName('promote-from-environment', from) : undefined;
  if (promoteFrom === environment)
    throw new ConfigurationError(`input "promote-from-environment" is "${from}", the environment being deployed: expected the environment the version comes from (e.g. the dev one)`);
  return {
    applicationName: app,
    environmentName: environment,
    region: parseRegion(get, 'region'),
    versionLabel: promoteFrom ? optionalLabel(get) : validateVersionLabel('version-label', requireValue(get, 'version-label')),
    promoteFrom,
    gate: readGateSettings(given),
    rollback: parseBoolean(get, 'rollback'),
    summary: parseBoolean(get, 'summary'),
    preflight: parseBoolean(get, 'preflight'),
  };
}

export function readDeployInputs(given: InputReader<InputName<typeof DEPLOY>>): DeployInputs {
  const get = withDefaults(DEPLOY.inputs, given);
  const app = applicationName(get);
  return {
    applicationName: app,
    environmentName: environmentName(get),
    region: parseRegion(get, 'region'),
    versionLabel: optionalLabel(get),
    versionDescription: description(get),
    bundle: bundleSettings(get, app),
    gate: readGateSettings(given),
    rollback: parseBoolean(get, 'rollback'),
    keepVersions: parseInteger(get, 'keep-versions', 0, 1000),
    deleteSourceBundles: parseBoolean(get, 'delete-source-bundles'),
    summary: parseBoolean(get, 'summary'),
    preflight: parseBoolean(get, 'preflight'),
  };
}

export function readRollbackInputs(given: InputReader<InputName<typeof ROLLBACK_ACTION>>): RollbackInputs {
  const get = withDefaults(ROLLBACK_ACTION.inputs, given);
  return {
    applicationName: applicationName(get),
    environmentName: environmentName(get),
    region: parseRegion(get, 'region'),
    versionLabel: optionalLabel(get),
    gate: readGateSettings(given),
    summary: parseBoolean(get, 'summary'),
  };
}

export function readPruneInputs(given: InputReader<InputName<typeof PRUNE_VERSIONS>>): PruneInputs {
  const get = withDefaults(PRUNE_VERSIONS.inputs, given);
  return {
    applicationName: applicationName(get),
    region: parseRegion(get, 'region'),
    keepVersions: parseInteger(get, 'keep-versions', 1, 1000),
    protectLabels: parseLabelList(get, 'protect-version-labels'),
    deleteSourceBundles: parseBoolean(get, 'delete-source-bundles'),
  };
}
