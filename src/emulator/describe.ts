// EB's reply shapes (checked against the SDK's and botocore's models), built from emulator state.
import type { Instance } from './instances.js';
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

export function describeInstanceHealth(i: Instance): XmlValue {
  return {
    InstanceId: i.id,
    HealthStatus: i.health.status,
    Color: i.health.color,
    Causes: i.health.causes,
    LaunchedAt: i.launchedAt,
    Deployment: {
      VersionLabel: i.deployment.versionLabel ?? 'Sample Application',
      DeploymentId: i.deployment.deploymentId,
      Status: i.deployment.status,
      DeploymentTime: i.deployment.time,
    },
    AvailabilityZone: 'us-east-1a',
    InstanceType: 't3.micro',
  };
}

/** NextToken pagination over an already ordered list: the token is the next offset. */
export function paginate<T>(items: T[], maxRecords: number | undefined, token: string | undefined): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!/^\d+$/.test(decoded)) throw new Error('invalid token');
    offset = Number(decoded);
  }
  const size = maxRecords ?? items.length;
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { page, nextToken: Buffer.from(String(next)).toString('base64url') } : { page };
}
