// infra/eb-pipeline.yml's deploy roles against the suite's two policy documents, with the emulator's
// IAM evaluation (src/emulator/auth/policy.ts): the template's EB-service-calls policy carries every
// statement of docs/iam-policy-eb-service-calls.json, and each GitHub environment's role allows what
// EB does behind an UpdateEnvironment of ITS environment (eb-service-calls.ts) and the engine's calls
// there, and not on the other environment.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serviceCalls } from '../../src/emulator/auth/eb-service-calls.js';
import { evaluate, parsePolicy, type Policy } from '../../src/emulator/auth/policy.js';
import { EbState, type Environment } from '../../src/emulator/state.js';
import { actions, loadTemplate, resolveIntrinsics, rolePolicyDocuments, TEST_STACK, type PolicyDocument, type Statement } from './cloudformation.js';

const template = loadTemplate();
const APP = TEST_STACK.ApplicationName!;
const ACCOUNT = TEST_STACK['AWS::AccountId']!;
const REGION = TEST_STACK['AWS::Region']!;
const ARNS = TEST_STACK;

function policiesOf(role: string): Policy[] {
  return rolePolicyDocuments(template, role, TEST_STACK).map((d, i) => parsePolicy(d, `${role} policy ${i}`));
}

function environment(name: string, id: string, profile = `${name}-eb-instance`): Environment {
  // Only what eb-service-calls.ts reads: the id, the name and the role options the template sets.
  return {
    id, name, app: APP,
    apiOptionSettings: [
      { namespace: 'aws:autoscaling:launchconfiguration', optionName: 'IamInstanceProfile', value: profile },
      { namespace: 'aws:elasticbeanstalk:environment', optionName: 'ServiceRole', value: ARNS['ServiceRole.Arn']! },
      { namespace: 'aws:elasticbeanstalk:command', optionName: 'DeploymentPolicy', value: 'Immutable' },
    ],
  } as unknown as Environment;
}

const eb = (kind: string, path: string): string => `arn:aws:elasticbeanstalk:${REGION}:${ACCOUNT}:${kind}/${path}`;
const allowed = (policies: Policy[], action: string, resource: string, context?: Record<string, string>): boolean => evaluate(policies, action, resource, context) === 'allow';

describe('infra/eb-pipeline.yml and the two policy documents', () => {
  it.each(['DevEbServiceCallsPolicy', 'ProductionEbServiceCallsPolicy'])('%s grants every action of docs/iam-policy-eb-service-calls.json (scoped to its environment)', (name) => {
    const docs = JSON.parse(readFileSync('docs/iam-policy-eb-service-calls.json', 'utf8')) as PolicyDocument;
    const inTemplate = (template.Resources[name]!.Properties.PolicyDocument as PolicyDocument).Statement;
    const granted = inTemplate.filter((t: Statement) => t.Effect === 'Allow').flatMap(actions);
    for (const s of docs.Statement) {
      expect(inTemplate.map((t) => t.Sid), `statement ${s.Sid ?? ''}`).toContain(s.Sid);
      expect(granted, `statement ${s.Sid ?? ''}`).toEqual(expect.arrayContaining(actions(s)));
    }
  });

  it('docs/iam-policy-eb-service-calls.json passes only the two roles it names, to EC2 and EB', () => {
    const docs = JSON.parse(readFileSync('docs/iam-policy-eb-service-calls.json', 'utf8')) as PolicyDocument;
    const pass = docs.Statement.filter((s) => actions(s).includes('iam:PassRole'));
    expect(pass.flatMap((s) => [s.Resource].flat())).toEqual(['arn:aws:iam::ACCOUNT_ID:role/INSTANCE_ROLE_NAME', 'arn:aws:iam::ACCOUNT_ID:role/SERVICE_ROLE_NAME']);
    expect(pass.map((s) => s.Condition)).toEqual([{ StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'elasticbeanstalk.amazonaws.com'] } }]);
    const bucket = docs.Statement.find((s) => s.Sid === 'ElasticBeanstalkOwnBucket')!;
    expect(actions(bucket)).toEqual(expect.arrayContaining(['s3:CreateBucket', 's3:ListBucket']));
  });

  it.each([
    ['DevDeployRole', `${APP}-dev`, `${APP}-production`],
    ['ProductionDeployRole', `${APP}-production`, `${APP}-dev`],
  ])('%s allows what EB does behind an UpdateEnvironment of %s, and the engine\'s deploy calls there only', (role, own, other) => {
    const policies = policiesOf(role);
    const state = new EbState(REGION, ACCOUNT);
    const denied = serviceCalls(state, environment(own, `e-${own}`), 'update').filter((n) => !allowed(policies, n.action, n.resource, n.context as Record<string, string>));
    expect(denied).toEqual([]);
    const version = eb('applicationversion', `${APP}/v7`);
    for (const [action, resource] of [
      ['elasticbeanstalk:UpdateEnvironment', eb('environment', `${APP}/${own}`)],
      ['elasticbeanstalk:AbortEnvironmentUpdate', eb('environment', `${APP}/${own}`)],
      ['elasticbeanstalk:DescribeEnvironments', eb('environment', `${APP}/${own}`)],
      ['elasticbeanstalk:DescribeEvents', eb('environment', `${APP}/${own}`)],
      ['elasticbeanstalk:DescribeInstancesHealth', eb('environment', `${APP}/${own}`)],
      ['elasticbeanstalk:ListTagsForResource', version],
      ['elasticbeanstalk:AddTags', version],
      ['elasticbeanstalk:RemoveTags', version],
      ['s3:ListBucket', ARNS['BundlesBucket.Arn']!],
      ['s3:GetObject', `${ARNS['BundlesBucket.Arn']!}/eb-pipeline/${APP}/x.zip`],
    ] as const) {
      expect(allowed(policies, action, resource), `${role}: ${action} on ${resource}`).toBe(true);
    }
    expect(allowed(policies, 'elasticbeanstalk:UpdateEnvironment', eb('environment', `${APP}/${other}`))).toBe(false);
  });

  it('the dev role also uploads and creates versions; production promotes what dev built', () => {
    const dev = policiesOf('DevDeployRole');
    const prod = policiesOf('ProductionDeployRole');
    const version = eb('applicationversion', `${APP}/v7`);
    for (const [action, resource] of [
      ['elasticbeanstalk:CreateStorageLocation', '*'],
      ['elasticbeanstalk:CreateApplicationVersion', version],
      ['elasticbeanstalk:DeleteApplicationVersion', version],
      ['s3:PutObject', `${ARNS['BundlesBucket.Arn']!}/eb-pipeline/${APP}/x.zip`],
    ] as const) {
      expect(allowed(dev, action, resource), `dev: ${action}`).toBe(true);
      expect(allowed(prod, action, resource), `production: ${action}`).toBe(false);
    }
  });

  // The dev role and dev's instances against production's resources: what a job in the GitHub
  // environment "dev" (any branch its rules let in) could reach. EB's calls carry production's tags.
  it('the dev role cannot act on production\'s resources, nor reach them through dev\'s settings', () => {
    const dev = policiesOf('DevDeployRole');
    const state = new EbState(REGION, ACCOUNT);
    const production = environment(`${APP}-production`, 'e-prod');
    // Every call EB would make for an update of production, as the dev role: the mutating ones are refused.
    const allowedOnProduction = serviceCalls(state, production, 'update')
      .filter((n) => !/:(Describe|Get|List)/.test(n.action))
      .filter((n) => allowed(dev, n.action, n.resource, n.context as Record<string, string>))
      .map((n) => n.action);
    // Not scoped, as the template says: launching instances (RunInstances is authorised against untagged
    // subnets, images, ...) and EB's own bucket, which every environment of the account shares.
    expect(allowedOnProduction.sort()).toEqual(['ec2:CreateTags', 'ec2:RunInstances', 's3:PutObject']);
    for (const op of ['terminate', 'rebuild'] as const) {
      const destructive = serviceCalls(state, production, op).filter((n) => /Delete|Terminate/.test(n.action));
      expect(destructive.filter((n) => allowed(dev, n.action, n.resource, n.context as Record<string, string>)), op).toEqual([]);
    }
    expect(allowed(dev, 'elasticbeanstalk:UpdateEnvironment', eb('environment', `${APP}/${APP}-production`))).toBe(false);
    // dev's UpdateEnvironment pointing dev at production's instance profile: EB passes that role, refused.
    const devOnProductionProfile = environment(`${APP}-dev`, 'e-dev', `${APP}-production-eb-instance`);
    const pass = serviceCalls(state, devOnProductionProfile, 'update').find((n) => n.action === 'iam:PassRole')!;
    expect(pass.resource).toBe(ARNS['ProductionInstanceRole.Arn']);
    expect(allowed(dev, pass.action, pass.resource, pass.context as Record<string, string>)).toBe(false);
    // ... or at production's instance security group (the only one production's database admits).
    const productionGroup = `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${ARNS['ProductionInstanceSecurityGroup.GroupId']!}`;
    expect(evaluate(dev, 'ec2:RunInstances', productionGroup)).toBe('explicit-deny');
    expect(allowed(dev, 'ec2:RunInstances', `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${ARNS['DevInstanceSecurityGroup.GroupId']!}`)).toBe(true);
    // The same calls for dev's own environment are allowed (tags of dev).
    const own = serviceCalls(state, environment(`${APP}-dev`, 'e-dev'), 'update').filter((n) => !allowed(dev, n.action, n.resource, n.context as Record<string, string>));
    expect(own).toEqual([]);
  });

  it('dev\'s instances cannot read production\'s secrets or media (DATABASE_SECRET pointed at production\'s secret fails on dev)', () => {
    const values = { ...TEST_STACK, 'MediaBucket.Arn': 'arn:aws:s3:::shop-media-abc', DevSecretKey: 'arn:dev-key', DevDatabaseSecret: 'arn:dev-db', ProductionSecretKey: 'arn:production-key', ProductionDatabaseSecret: 'arn:production-db' };
    const instancePolicies = (role: string): Policy[] =>
      (template.Resources[role]!.Properties.Policies as { PolicyDocument: unknown }[]).map((p, i) => {
        // { Ref: X } of the secrets resolved as CloudFormation would (their ARNs).
        const doc = JSON.parse(JSON.stringify(p.PolicyDocument).replace(/\{"Ref":"(\w+)"\}/g, (_, name: string) => JSON.stringify(values[name as keyof typeof values] ?? name))) as unknown;
        return parsePolicy(resolveIntrinsics(doc, values), `${role} ${i}`);
      });
    const dev = instancePolicies('DevInstanceRole');
    const production = instancePolicies('ProductionInstanceRole');
    for (const secret of ['arn:dev-key', 'arn:dev-db']) {
      expect(allowed(dev, 'secretsmanager:GetSecretValue', secret), secret).toBe(true);
      expect(allowed(production, 'secretsmanager:GetSecretValue', secret), secret).toBe(false);
    }
    for (const secret of ['arn:production-key', 'arn:production-db']) {
      expect(allowed(dev, 'secretsmanager:GetSecretValue', secret), secret).toBe(false);
      expect(allowed(production, 'secretsmanager:GetSecretValue', secret), secret).toBe(true);
    }
    expect(allowed(dev, 's3:GetObject', 'arn:aws:s3:::shop-media-abc/production/media/x.png')).toBe(false);
    expect(allowed(dev, 's3:PutObject', 'arn:aws:s3:::shop-media-abc/dev/media/x.png')).toBe(true);
    // Both read the application versions' bundles (the instances download them).
    for (const p of [dev, production]) expect(allowed(p, 's3:GetObject', `${ARNS['BundlesBucket.Arn']!}/eb-pipeline/${APP}/x.zip`)).toBe(true);
  });
});
