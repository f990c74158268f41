// Applications, versions, environments and events: the emulator's EB account.
import { randomBytes } from 'node:crypto';
import type { BundleInfo } from './bundle.js';
import type { HealthStatus, HealthColor } from './health.js';
import type { Instance } from './instances.js';
import type { LoadBalancer } from './load-balancer.js';
import type { OptionSetting } from './query-protocol.js';

export type VersionStatus = 'Unprocessed' | 'Processing' | 'Building' | 'Processed' | 'Failed';
export type EnvironmentStatus = 'Launching' | 'Updating' | 'Ready' | 'Terminating' | 'Terminated';
export type Severity = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
export const SEVERITIES: readonly Severity[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** A resource's user tags (UpdateTagsForResource), key → value; kept on the resource, gone with it. */
export type Tags = Map<string, string>;

/** One rule of an application's version lifecycle (version-lifecycle.ts applies them). */
export interface LifecycleRule {
  Enabled: boolean;
  MaxCount?: number;
  MaxAgeInDays?: number;
  DeleteSourceFromS3?: boolean;
}

export interface ResourceLifecycleConfig {
  ServiceRole?: string;
  VersionLifecycleConfig?: { MaxCountRule?: LifecycleRule; MaxAgeRule?: LifecycleRule };
}

export interface Application {
  name: string;
  arn: string;
  description?: string;
  /** UpdateApplicationResourceLifecycle / CreateApplication's ResourceLifecycleConfig. */
  resourceLifecycle?: ResourceLifecycleConfig;
  created: Date;
  updated: Date;
  tags?: Tags;
}

export interface AppVersion {
  app: string;
  label: string;
  arn: string;
  description?: string;
  /** Undefined: EB's sample application. */
  source?: { bucket: string; key: string };
  status: VersionStatus;
  created: Date;
  updated: Date;
  /** Filled by processing; what instances run: the bundle file (in the emulator's data dir) and what it says. */
  bundle?: { info: BundleInfo; file: string };
  /** The reason processing failed, for the deploy-time event. */
  failure?: string;
  processing?: Promise<void>;
  tags?: Tags;
}

export interface EbEvent {
  date: Date;
  message: string;
  severity: Severity;
  app?: string;
  label?: string;
  env?: string;
  requestId?: string;
}

export interface RunningOperation {
  kind: 'deploy' | 'configure';
  /** The version being deployed: it cannot be deleted meanwhile. */
  label?: string;
  controller: AbortController;
  done: Promise<void>;
}

export interface Environment {
  id: string;
  name: string;
  app: string;
  arn: string;
  versionLabel?: string;
  description?: string;
  solutionStack: string;
  platformArn?: string;
  tier: { Name: string; Type: string; Version: string };
  created: Date;
  updated: Date;
  status: EnvironmentStatus;
  health: HealthColor;
  healthStatus: HealthStatus;
  causes: string[];
  healthRefreshedAt: Date;
  /** Settings given through the API (CreateEnvironment + every UpdateEnvironment). */
  apiOptionSettings: OptionSetting[];
  instances: Instance[];
  /**
   * Instances that exist only for the running deployment: Immutable's and TrafficSplitting's
   * temporary Auto Scaling group, RollingWithAdditionalBatch's additional batch. Terminated if the
   * deployment fails or is aborted.
   */
  temporaryInstances: Instance[];
  /** While a traffic-splitting deployment evaluates: the share (%) of requests the temporary instances get. */
  trafficSplit?: { percent: number };
  lb: LoadBalancer;
  operation?: RunningOperation;
  deploymentCounter: number;
  terminatedAt?: Date;
  tags?: Tags;
}

export const DEFAULT_SOLUTION_STACK = '64bit Amazon Linux 2023 v6.6.0 running Node.js 22';

export const newEnvironmentId = (): string => `e-${randomBytes(8).toString('hex').slice(0, 10)}`;

export class EbState {
  readonly applications = new Map<string, Application>();
  /** Keyed by `${app}\u0000${label}`. */
  readonly versions = new Map<string, AppVersion>();
  readonly environments: Environment[] = [];
  readonly events: EbEvent[] = [];

  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  arn(kind: string, name: string): string {
    return `arn:aws:elasticbeanstalk:${this.region}:${this.accountId}:${kind}/${name}`;
  }

  version(app: string, label: string): AppVersion | undefined {
    return this.versions.get(`${app}\u0000${label}`);
  }

  versionsOf(app: string): AppVersion[] {
    return [...this.versions.values()].filter((v) => v.app === app);
  }

  /** The environment a name or id refers to: live ones first, else the latest terminated one. */
  findEnvironment(ref: { name?: string; id?: string }): Environment | undefined {
    const matching = this.environments.filter((e) => (ref.id ? e.id === ref.id : e.name === ref.name));
    return matching.find((e) => e.status !== 'Terminated') ?? matching.at(-1);
  }

  liveEnvironments(): Environment[] {
    return this.environments.filter((e) => e.status !== 'Terminated');
  }

  addEvent(event: Omit<EbEvent, 'date'> & { date?: Date }): void {
    this.events.push({ date: new Date(), ...event });
  }
}
