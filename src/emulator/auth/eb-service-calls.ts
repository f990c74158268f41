// What Elastic Beanstalk does with the CALLER's permissions behind CreateEnvironment,
// UpdateEnvironment, RebuildEnvironment and TerminateEnvironment. The EB developer guide ("Managing
// Elastic Beanstalk user policies"; the managed policy AdministratorAccess-AWSElasticBeanstalk) says
// these calls need, besides elasticbeanstalk:*, the caller's rights on AWS CloudFormation (EB's
// awseb-ENVID-stack), Auto Scaling, Amazon EC2 (launch templates, instances), Elastic Load
// Balancing, EB's own S3 bucket (elasticbeanstalk-REGION-ACCOUNT) and iam:PassRole for the instance
// profile's role (and the service role on create). EB accepts the call and the operation then fails:
// an ERROR event "Service:AmazonCloudFormation, Message:User: ... is not authorized to perform: ...",
// the environment back to Ready, the version not deployed.
import { createHash } from 'node:crypto';
import type { Environment, EbState } from '../state.js';
import type { Principal } from './keys.js';
import { evaluate, type RequestContext } from './policy.js';

export type ServiceOperation = 'create' | 'update' | 'rebuild' | 'terminate';

interface Need {
  action: string;
  resource: string;
  context?: RequestContext;
}

const SERVICE_NAMES: Record<string, string> = {
  cloudformation: 'AmazonCloudFormation',
  autoscaling: 'AmazonAutoScaling',
  ec2: 'AmazonEC2',
  elasticloadbalancing: 'AmazonElasticLoadBalancing',
  s3: 'AmazonS3',
  iam: 'AmazonIdentityManagement',
};

function optionValue(env: Environment, namespace: string, name: string): string | undefined {
  return env.apiOptionSettings.findLast((s) => s.namespace === namespace && s.optionName === name)?.value;
}

/** The resources EB works on for one environment, named as their services name them. */
function resourcesOf(state: EbState, env: Environment) {
  const { region, accountId } = state;
  const uuid = (salt: string): string => {
    const h = createHash('sha256').update(`${env.id}/${salt}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  };
  const role = (value: string | undefined, fallback: string): string => `arn:aws:iam::${accountId}:role/${(value ?? fallback).split('/').at(-1) ?? fallback}`;
  const bucket = `arn:aws:s3:::elasticbeanstalk-${region}-${accountId}`;
  return {
    stack: `arn:aws:cloudformation:${region}:${accountId}:stack/awseb-${env.id}-stack/${uuid('stack')}`,
    autoScalingGroup: `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:${uuid('asg')}:autoScalingGroupName/awseb-${env.id}-stack-AWSEBAutoScalingGroup-${uuid('asg-name').slice(0, 12).toUpperCase()}`,
    launchTemplate: `arn:aws:ec2:${region}:${accountId}:launch-template/lt-${uuid('lt').replace(/-/g, '').slice(0, 17)}`,
    bucket,
    objects: `${bucket}/resources/environments/${env.id}/*`,
    instanceRole: role(optionValue(env, 'aws:autoscaling:launchconfiguration', 'IamInstanceProfile'), 'aws-elasticbeanstalk-ec2-role'),
    serviceRole: role(optionValue(env, 'aws:elasticbeanstalk:environment', 'ServiceRole'), 'aws-elasticbeanstalk-service-role'),
  };
}

/** Deployments that launch instances (a temporary Auto Scaling group or an extra batch). */
function launchesInstances(env: Environment): boolean {
  const policy = optionValue(env, 'aws:elasticbeanstalk:command', 'DeploymentPolicy') ?? 'AllAtOnce';
  return ['Immutable', 'RollingWithAdditionalBatch', 'TrafficSplitting'].includes(policy);
}

/**
 * The tags EB puts on every resource of an environment (its stack, groups, target groups, instances),
 * as IAM sees them: on the resource when EB changes one, in the request when it creates one, so
 * policies can scope these calls per environment (`aws:ResourceTag/elasticbeanstalk:environment-name`).
 * Reads (Describe/Get/List) are not scoped by tags and carry none.
 */
function withEnvironmentTags(env: Environment, need: Need): Need {
  const name = need.action.split(':')[1] ?? '';
  if (/^(Describe|Get|List)/.test(name)) return need;
  const kind = name.startsWith('Create') ? 'aws:RequestTag' : 'aws:ResourceTag';
  const tags: RequestContext = { [`${kind}/elasticbeanstalk:environment-name`]: env.name, [`${kind}/elasticbeanstalk:environment-id`]: env.id };
  return { ...need, context: { ...tags, ...need.context } };
}

/** Every call EB makes with the caller's permissions for `op` on `env`, in the order EB makes them. */
export function serviceCalls(state: EbState, env: Environment, op: ServiceOperation): Need[] {
  return callsFor(state, env, op).map((need) => withEnvironmentTags(env, need));
}

function callsFor(state: EbState, env: Environment, op: ServiceOperation): Need[] {
  const r = resourcesOf(state, env);
  const passTo = (service: string): RequestContext => ({ 'iam:PassedToService': service });
  const read: Need[] = [
    { action: 'cloudformation:DescribeStacks', resource: r.stack },
    { action: 'cloudformation:DescribeStackResource', resource: r.stack },
    { action: 'cloudformation:GetTemplate', resource: r.stack },
    { action: 'autoscaling:DescribeAutoScalingGroups', resource: '*' },
    { action: 'ec2:DescribeInstances', resource: '*' },
    { action: 'elasticloadbalancing:DescribeTargetHealth', resource: '*' },
    { action: 's3:GetBucketPolicy', resource: r.bucket },
    { action: 's3:GetObject', resource: r.objects },
  ];
  const launch: Need[] = [
    { action: 'ec2:RunInstances', resource: '*' },
    { action: 'ec2:CreateTags', resource: '*' },
    { action: 'autoscaling:UpdateAutoScalingGroup', resource: r.autoScalingGroup },
  ];
  const create: Need[] = [
    { action: 'iam:PassRole', resource: r.serviceRole, context: passTo('elasticbeanstalk.amazonaws.com') },
    { action: 'iam:PassRole', resource: r.instanceRole, context: passTo('ec2.amazonaws.com') },
    { action: 's3:PutObject', resource: r.objects },
    { action: 'cloudformation:CreateStack', resource: r.stack },
    { action: 'ec2:CreateSecurityGroup', resource: '*' },
    { action: 'ec2:CreateLaunchTemplate', resource: r.launchTemplate },
    { action: 'elasticloadbalancing:CreateLoadBalancer', resource: '*' },
    { action: 'elasticloadbalancing:CreateTargetGroup', resource: '*' },
    { action: 'autoscaling:CreateAutoScalingGroup', resource: r.autoScalingGroup },
    ...launch,
  ];
  const terminate: Need[] = [
    { action: 'cloudformation:DeleteStack', resource: r.stack },
    { action: 'autoscaling:DeleteAutoScalingGroup', resource: r.autoScalingGroup },
    { action: 'ec2:TerminateInstances', resource: '*' },
    { action: 'elasticloadbalancing:DeleteLoadBalancer', resource: '*' },
  ];
  switch (op) {
    case 'create':
      return [...create, ...read];
    case 'terminate':
      return [...read, ...terminate];
    case 'rebuild':
      return [...read, ...terminate, ...create];
    case 'update':
      return [
        ...read,
        { action: 'iam:PassRole', resource: r.instanceRole, context: passTo('ec2.amazonaws.com') },
        { action: 's3:PutObject', resource: r.objects },
        { action: 'cloudformation:UpdateStack', resource: r.stack },
        { action: 'autoscaling:SuspendProcesses', resource: r.autoScalingGroup },
        { action: 'autoscaling:ResumeProcesses', resource: r.autoScalingGroup },
        { action: 'elasticloadbalancing:RegisterTargets', resource: '*' },
        { action: 'elasticloadbalancing:DeregisterTargets', resource: '*' },
        ...(launchesInstances(env) ? launch : []),
      ];
  }
}

/** The ERROR event EB writes for the first call the principal may not make, or undefined. */
export function serviceCallDenial(state: EbState, env: Environment, op: ServiceOperation, principal: Principal): string | undefined {
  if (!principal.policies) return undefined;
  for (const need of serviceCalls(state, env, op)) {
    const decision = evaluate(principal.policies, need.action, need.resource, need.context);
    if (decision === 'allow') continue;
    const service = SERVICE_NAMES[need.action.split(':')[0] ?? ''] ?? need.action;
    const why = decision === 'explicit-deny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${need.action} action`;
    return `Service:${service}, Message:User: ${principal.arn} is not authorized to perform: ${need.action} on resource: ${need.resource} ${why}`;
  }
  return undefined;
}
