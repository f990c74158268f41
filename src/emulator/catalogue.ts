// What EB knows that the service model does not: its platforms (solution stacks) and its
// configuration options. Unknown ones are refused with EB's InvalidParameterValue wording.
//
// Solution stacks: the AL2023 platform branches this suite targets (Docker, Python, Node.js), named
// as the EB platform history pages name them ("64bit Amazon Linux 2023 v6.10.0 running Node.js 22",
// docs.aws.amazon.com/elasticbeanstalk/latest/platforms/platform-history-nodejs.html). Any platform
// version of a listed branch is accepted (EB keeps earlier versions usable, "Previous platform
// versions remain accessible"); ListAvailableSolutionStacks lists the versions below. The Node.js
// versions are the platform history's of 2026-03-31; Docker and Python are the versions this
// repository's infra and demo name — check them before relying on them.
//
// Options: the general options of the EB developer guide, "General options for all environments"
// (command-options-general.html), plus the Python and proxy options of the AL2023 platforms.
import { invalidParameter, type OptionSetting } from './query-protocol.js';

interface PlatformBranch {
  /** Platform major version of the branch on AL2023 (v4 Docker/Python, v6 Node.js). */
  major: number;
  runtimes: string[];
  latest: string;
}

const BRANCHES: PlatformBranch[] = [
  { major: 4, runtimes: ['Docker'], latest: '4.5.2' },
  { major: 4, runtimes: ['Python 3.9', 'Python 3.11', 'Python 3.12', 'Python 3.13'], latest: '4.9.0' },
  { major: 6, runtimes: ['Node.js 20', 'Node.js 22', 'Node.js 24'], latest: '6.10.0' },
];

const STACK = /^64bit Amazon Linux 2023 v(\d+)\.\d+\.\d+ running (.+)$/;

export function isKnownSolutionStack(name: string): boolean {
  const m = STACK.exec(name);
  return m !== null && BRANCHES.some((b) => b.major === Number(m[1]) && b.runtimes.includes(m[2] ?? ''));
}

/** The newest platform version of every branch: what ListAvailableSolutionStacks answers. */
export const CURRENT_SOLUTION_STACKS: string[] = BRANCHES.flatMap((b) => b.runtimes.map((r) => `64bit Amazon Linux 2023 v${b.latest} running ${r}`));

export function checkSolutionStack(name: string): void {
  if (!isKnownSolutionStack(name)) throw invalidParameter(`No Solution Stack named '${name}' found.`);
}

/** Namespaces whose option names are the user's own (environment properties, secrets, static paths). */
const FREE_FORM = new Set([
  'aws:elasticbeanstalk:application:environment',
  'aws:elasticbeanstalk:application:environmentsecrets',
  'aws:elasticbeanstalk:environment:proxy:staticfiles',
]);

const PROCESS_OPTIONS = [
  'DeregistrationDelay', 'HealthCheckInterval', 'HealthCheckPath', 'HealthCheckTimeout', 'HealthyThresholdCount', 'MatcherHTTPCode',
  'Port', 'Protocol', 'StickinessEnabled', 'StickinessLBCookieDuration', 'StickinessType', 'UnhealthyThresholdCount',
];
const ELB_LISTENER_OPTIONS = ['ListenerProtocol', 'InstancePort', 'InstanceProtocol', 'PolicyNames', 'ListenerEnabled', 'SSLCertificateId'];
const ELB_POLICY_OPTIONS = [
  'ConnectionDrainingEnabled', 'ConnectionDrainingTimeout', 'ConnectionSettingIdleTimeout', 'LoadBalancerPorts', 'Stickiness Cookie Expiration',
  'Stickiness Policy', 'CookieName', 'InstancePorts', 'ProxyProtocol', 'PublicKey', 'PublicKeyPolicyNames', 'SSLProtocols', 'SSLReferencePolicy',
];
const ELBV2_LISTENER_OPTIONS = ['DefaultProcess', 'ListenerEnabled', 'Protocol', 'Rules', 'SSLCertificateArns', 'SSLPolicy'];

const OPTIONS: Record<string, string[]> = {
  'aws:autoscaling:asg': ['Availability Zones', 'Cooldown', 'Custom Availability Zones', 'EnableCapacityRebalancing', 'MinSize', 'MaxSize'],
  'aws:autoscaling:launchconfiguration': [
    'DisableIMDSv1', 'EC2KeyName', 'IamInstanceProfile', 'ImageId', 'InstanceType', 'LaunchTemplateTagPropagationEnabled', 'MonitoringInterval',
    'SecurityGroups', 'SSHSourceRestriction', 'BlockDeviceMappings', 'RootVolumeType', 'RootVolumeSize', 'RootVolumeIOPS', 'RootVolumeThroughput',
  ],
  'aws:autoscaling:scheduledaction': ['StartTime', 'EndTime', 'MaxSize', 'MinSize', 'DesiredCapacity', 'Recurrence', 'Suspend'],
  'aws:autoscaling:trigger': [
    'BreachDuration', 'LowerBreachScaleIncrement', 'LowerThreshold', 'MeasureName', 'Period', 'EvaluationPeriods', 'Statistic', 'Unit',
    'UpperBreachScaleIncrement', 'UpperThreshold',
  ],
  'aws:autoscaling:updatepolicy:rollingupdate': ['MaxBatchSize', 'MinInstancesInService', 'RollingUpdateEnabled', 'RollingUpdateType', 'PauseTime', 'Timeout'],
  'aws:ec2:instances': ['EnableSpot', 'InstanceTypes', 'SpotFleetOnDemandBase', 'SpotFleetOnDemandAboveBasePercentage', 'SpotMaxPrice', 'SupportedArchitectures'],
  'aws:ec2:vpc': ['VPCId', 'Subnets', 'ELBSubnets', 'ELBScheme', 'DBSubnets', 'AssociatePublicIpAddress'],
  'aws:elasticbeanstalk:application': ['Application Healthcheck URL'],
  'aws:elasticbeanstalk:cloudwatch:logs': ['StreamLogs', 'DeleteOnTerminate', 'RetentionInDays'],
  'aws:elasticbeanstalk:cloudwatch:logs:health': ['HealthStreamingEnabled', 'DeleteOnTerminate', 'RetentionInDays'],
  'aws:elasticbeanstalk:command': ['DeploymentPolicy', 'Timeout', 'BatchSizeType', 'BatchSize', 'IgnoreHealthCheck'],
  'aws:elasticbeanstalk:environment': ['EnvironmentType', 'ServiceRole', 'LoadBalancerType', 'LoadBalancerIsShared'],
  'aws:elasticbeanstalk:environment:proxy': ['ProxyServer'],
  'aws:elasticbeanstalk:healthreporting:system': ['SystemType', 'ConfigDocument', 'EnhancedHealthAuthEnabled', 'HealthCheckSuccessThreshold'],
  'aws:elasticbeanstalk:hostmanager': ['LogPublicationControl'],
  'aws:elasticbeanstalk:managedactions': ['ManagedActionsEnabled', 'PreferredStartTime', 'ServiceRoleForManagedUpdates'],
  'aws:elasticbeanstalk:managedactions:platformupdate': ['UpdateLevel', 'InstanceRefreshEnabled'],
  'aws:elasticbeanstalk:monitoring': ['Automatically Terminate Unhealthy Instances'],
  'aws:elasticbeanstalk:sns:topics': ['Notification Endpoint', 'Notification Protocol', 'Notification Topic ARN', 'Notification Topic Name'],
  'aws:elasticbeanstalk:sqsd': [
    'WorkerQueueURL', 'HttpPath', 'MimeType', 'HttpConnections', 'ConnectTimeout', 'InactivityTimeout', 'VisibilityTimeout',
    'ErrorVisibilityTimeout', 'RetentionPeriod', 'MaxRetries',
  ],
  'aws:elasticbeanstalk:trafficsplitting': ['NewVersionPercent', 'EvaluationTime'],
  'aws:elasticbeanstalk:xray': ['XRayEnabled'],
  'aws:elasticbeanstalk:container:python': ['WSGIPath', 'NumProcesses', 'NumThreads'],
  'aws:elb:healthcheck': ['HealthyThreshold', 'Interval', 'Target', 'Timeout', 'UnhealthyThreshold'],
  'aws:elb:loadbalancer': ['CrossZone', 'SecurityGroups', 'ManagedSecurityGroup'],
  'aws:elb:listener': ELB_LISTENER_OPTIONS,
  'aws:elb:policies': ELB_POLICY_OPTIONS,
  'aws:elbv2:listener:default': ELBV2_LISTENER_OPTIONS,
  'aws:elbv2:loadbalancer': ['AccessLogsS3Bucket', 'AccessLogsS3Enabled', 'AccessLogsS3Prefix', 'IdleTimeout', 'ManagedSecurityGroup', 'SecurityGroups', 'SharedLoadBalancer'],
  'aws:rds:dbinstance': [
    'HasCoupledDatabase', 'DBAllocatedStorage', 'DBDeletionPolicy', 'DBEngine', 'DBEngineVersion', 'DBInstanceClass', 'DBPassword',
    'DBSnapshotIdentifier', 'DBUser', 'MultiAZDatabase',
  ],
};

/** Namespaces with a name of the user's in them: a process, a listener port, a rule, a policy. */
const NAMED: [RegExp, string[]][] = [
  [/^aws:elasticbeanstalk:environment:process:[^:]+$/, PROCESS_OPTIONS],
  [/^aws:elb:listener:\d+$/, ELB_LISTENER_OPTIONS],
  [/^aws:elb:policies:[^:]+$/, ELB_POLICY_OPTIONS],
  [/^aws:elbv2:listener:\d+$/, ELBV2_LISTENER_OPTIONS],
  [/^aws:elbv2:listenerrule:[^:]+$/, ['HostHeaders', 'PathPatterns', 'Priority', 'Process']],
];

function optionsOf(namespace: string): string[] | 'any' | undefined {
  if (FREE_FORM.has(namespace)) return 'any';
  return OPTIONS[namespace] ?? NAMED.find(([pattern]) => pattern.test(namespace))?.[1];
}

const BOOLEAN = ['true', 'false'];

/** Options with a fixed set of values (EB developer guide, the option tables); booleans in any case. */
const VALUES: Record<string, string[]> = {
  'aws:elasticbeanstalk:environment|EnvironmentType': ['SingleInstance', 'LoadBalanced'],
  'aws:elasticbeanstalk:environment|LoadBalancerType': ['classic', 'application', 'network'],
  'aws:elasticbeanstalk:environment|LoadBalancerIsShared': BOOLEAN,
  'aws:elasticbeanstalk:healthreporting:system|SystemType': ['basic', 'enhanced'],
  'aws:elasticbeanstalk:environment:proxy|ProxyServer': ['nginx', 'apache', 'none'],
  'aws:autoscaling:updatepolicy:rollingupdate|RollingUpdateType': ['Time', 'Health', 'Immutable'],
  'aws:autoscaling:updatepolicy:rollingupdate|RollingUpdateEnabled': BOOLEAN,
  'aws:autoscaling:launchconfiguration|DisableIMDSv1': BOOLEAN,
  'aws:autoscaling:launchconfiguration|RootVolumeType': ['standard', 'gp2', 'gp3', 'io1', 'io2'],
  'aws:autoscaling:asg|EnableCapacityRebalancing': BOOLEAN,
  'aws:ec2:instances|EnableSpot': BOOLEAN,
  'aws:ec2:vpc|AssociatePublicIpAddress': BOOLEAN,
  'aws:ec2:vpc|ELBScheme': ['public', 'internal'],
  'aws:elasticbeanstalk:cloudwatch:logs|StreamLogs': BOOLEAN,
  'aws:elasticbeanstalk:cloudwatch:logs|DeleteOnTerminate': BOOLEAN,
  'aws:elasticbeanstalk:cloudwatch:logs:health|HealthStreamingEnabled': BOOLEAN,
  'aws:elasticbeanstalk:cloudwatch:logs:health|DeleteOnTerminate': BOOLEAN,
  'aws:elasticbeanstalk:managedactions|ManagedActionsEnabled': BOOLEAN,
  'aws:elasticbeanstalk:managedactions:platformupdate|UpdateLevel': ['patch', 'minor'],
  'aws:elasticbeanstalk:managedactions:platformupdate|InstanceRefreshEnabled': BOOLEAN,
  'aws:elasticbeanstalk:monitoring|Automatically Terminate Unhealthy Instances': BOOLEAN,
  'aws:elasticbeanstalk:xray|XRayEnabled': BOOLEAN,
};

/**
 * Refuses a setting whose namespace or option EB does not know, or whose value is not one of the
 * option's allowed values, as EB words it. (The values of the options the emulator acts on are
 * checked again, with ranges, by option-settings.ts.)
 */
export function checkOptions(settings: (Pick<OptionSetting, 'namespace' | 'optionName'> & { value?: string })[]): void {
  for (const s of settings) {
    const known = optionsOf(s.namespace);
    if (known === 'any') continue;
    if (known === undefined || !known.includes(s.optionName)) {
      throw invalidParameter(`Invalid option specification (Namespace: '${s.namespace}', OptionName: '${s.optionName}'): Unknown configuration setting.`);
    }
    const allowed = VALUES[`${s.namespace}|${s.optionName}`];
    const value = allowed === BOOLEAN ? s.value?.toLowerCase() : s.value;
    if (allowed && value !== undefined && !allowed.includes(value)) {
      throw invalidParameter(
        `Invalid option value: '${s.value ?? ''}' (Namespace: '${s.namespace}', OptionName: '${s.optionName}'): Value is not one of the allowed values: [${allowed.join(', ')}]`,
      );
    }
  }
}

/** A platform ARN of a listed branch: arn:aws:elasticbeanstalk:REGION::platform/Docker running on 64bit Amazon Linux 2023/4.5.2. */
export function checkPlatformArn(arn: string): void {
  const m = /^arn:aws[a-z-]*:elasticbeanstalk:[a-z0-9-]+::platform\/(.+) running on 64bit Amazon Linux 2023\/(\d+)\.\d+\.\d+$/.exec(arn);
  const known = m !== null && BRANCHES.some((b) => b.major === Number(m[2]) && b.runtimes.includes(m[1] ?? ''));
  if (!known) throw invalidParameter(`No Platform named '${arn}' found.`);
}
