// EB's reply shapes (checked against the SDK's and botocore's models), built from emulator state.
import os from 'node:os';
import type { Instance } from './instances.js';
import { applicationMetrics, type ServedRequest } from './load-balancer.js';
import { lifecycleXml } from './version-lifecycle.js';
import type { XmlValue } from './query-protocol.js';
import type { Application, AppVersion, EbEvent, EbState, Environment } from './state.js';

export function describeApplication(state: EbState, app: Application): XmlValue {
  return {
    ApplicationArn: app.arn,
    ApplicationName: app.name,
    Description: app.description,
    DateCreated: app.created,
    DateUpdated: app.updated,
    Versions: state.versionsOf(app.name).map((v) => v.label),
    ConfigurationTemplates: [],
    ResourceLifecycleConfig: lifecycleXml(app),
  };
}

export function describeVersion(v: AppVersion): XmlValue {
  return {
    ApplicationVersionArn: v.arn,
    ApplicationName: v.app,
    Description: v.description,
    VersionLabel: v.label,
    SourceBundle: v.source ? { S3Bucket: v.source.bucket, S3Key: v.source.key } : undefined,
    DateCreated: v.created,
    DateUpdated: v.updated,
    Status: v.status,
  };
}

export function isAbortable(env: Environment): boolean {
  return env.status === 'Updating' && env.operation !== undefined;
}

export function describeEnvironment(env: Environment): XmlValue {
  const endpoint = env.lb.endpoint;
  const live = env.status !== 'Terminated';
  return {
    EnvironmentName: env.name,
    EnvironmentId: env.id,
    ApplicationName: env.app,
    VersionLabel: env.versionLabel,
    SolutionStackName: env.solutionStack,
    PlatformArn: env.platformArn,
    Description: env.description,
    EndpointURL: live ? endpoint : undefined,
    CNAME: live ? endpoint : undefined,
    DateCreated: env.created,
    DateUpdated: env.updated,
    Status: env.status,
    AbortableOperationInProgress: isAbortable(env),
    Health: env.health,
    HealthStatus: env.healthStatus,
    Resources: { LoadBalancer: { LoadBalancerName: `awseb-${env.id}`, Domain: endpoint, Listeners: [{ Protocol: 'http', Port: env.lb.port }] } },
    Tier: env.tier,
    EnvironmentLinks: [],
    EnvironmentArn: env.arn,
  };
}

export function describeEvent(e: EbEvent): XmlValue {
  return {
    EventDate: e.date,
    Message: e.message,
    ApplicationName: e.app,
    VersionLabel: e.label,
    EnvironmentName: e.env,
    RequestId: e.requestId,
    Severity: e.severity,
  };
}

/** Picks a reply member when AttributeNames asks for it (or for `All`); builds it only then. */
export type Pick = (attribute: string, value: () => XmlValue) => XmlValue;

export function picker(wanted: string[]): Pick {
  const all = wanted.includes('All');
  return (attribute, value) => (all || wanted.includes(attribute) ? value() : undefined);
}

const everything: Pick = (_attribute, value) => value();

/** The host's CPU split since boot and load averages: what EB's SystemStatus reports, from /proc via os. */
function systemStatus(): XmlValue {
  const totals = { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 };
  for (const cpu of os.cpus()) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += cpu.times[k];
  const sum = Object.values(totals).reduce((a, b) => a + b, 0) || 1;
  const pct = (n: number): number => Math.round((n / sum) * 1000) / 10;
  return {
    CPUUtilization: { User: pct(totals.user), Nice: pct(totals.nice), System: pct(totals.sys), Idle: pct(totals.idle), IOWait: 0, IRQ: pct(totals.irq), SoftIRQ: 0 },
    LoadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** One instance as DescribeInstancesHealth gives it: InstanceId always, the rest as `pick` allows. */
export function describeInstanceHealth(i: Instance, pick: Pick = everything, served: ServedRequest[] = []): XmlValue {
  return {
    InstanceId: i.id,
    HealthStatus: pick('HealthStatus', () => i.health.status),
    Color: pick('Color', () => i.health.color),
    Causes: pick('Causes', () => i.health.causes),
    LaunchedAt: pick('LaunchedAt', () => i.launchedAt),
    ApplicationMetrics: pick('ApplicationMetrics', () => applicationMetrics(served.filter((r) => r.port === i.port), Date.now(), 10_000, 10)),
    System: pick('System', systemStatus),
    Deployment: pick('Deployment', () => ({
      VersionLabel: i.deployment.versionLabel ?? 'Sample Application',
      DeploymentId: i.deployment.deploymentId,
      Status: i.deployment.status,
      DeploymentTime: i.deployment.time,
    })),
    AvailabilityZone: pick('AvailabilityZone', () => 'us-east-1a'),
    InstanceType: pick('InstanceType', () => 't3.micro'),
  };
}
