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
import { actions, loadTemplate, rolePolicyDocuments, TEST_STACK, type PolicyDocument, type Statement } from './cloudformation.js';

const template = loadTemplate();
const APP = TEST_STACK.ApplicationName!;
const ACCOUNT = TEST_STACK['AWS::AccountId']!;
const REGION = TEST_STACK['AWS::Region']!;
const ARNS = TEST_STACK;

function policiesOf(role: string): Policy[] {
  return rolePolicyDocuments(template, role, TEST_STACK).map((d, i) => parsePolicy(d, `${role} policy ${i}`));
}

function environment(name: string): Environment {
  // Only what eb-service-calls.ts reads: the id and the role options the template sets.
  return {
    id: `e-${name}`, name, app: APP,
    apiOptionSettings: [
      { namespace: 'aws:autoscaling:launchconfiguration', optionName: 'IamInstanceProfile', value: `${APP}-eb-instance` },
      { namespace: 'aws:elasticbeanstalk:environment', optionName: 'ServiceRole', value: ARNS['ServiceRole.Arn']! },
      { namespace: 'aws:elasticbeanstalk:command', optionName: 'DeploymentPolicy', value: 'Immutable' },
    ],
  } as unknown as Environment;
}

const eb = (kind: string, path: string): string => `arn:aws:elasticbeanstalk:${REGION}:${ACCOUNT}:${kind}/${path}`;
const allowed = (policies: Policy[], action: string, resource: string, context?: Record<string, string>): boolean => evaluate(policies, action, resource, context) === 'allow';

describe('infra/eb-pipeline.yml and the two policy documents', () => {
  it('EbServiceCallsPolicy carries every statement of docs/iam-policy-eb-service-calls.json, by Sid', () => {
    const docs = JSON.parse(readFileSync('docs/iam-policy-eb-service-calls.json', 'utf8')) as PolicyDocument;
    const inTemplate = (template.Resources.EbServiceCallsPolicy!.Properties.PolicyDocument as PolicyDocument).Statement;
    for (const s of docs.Statement) {
      const match = inTemplate.find((t: Statement) => t.Sid === s.Sid);
      expect(match, `statement ${s.Sid ?? ''}`).toBeDefined();
      expect(actions(match!)).toEqual(expect.arrayContaining(actions(s)));
    }
  });

  it.each([
    ['DevDeployRole', `${APP}-dev`, `${APP}-production`],
    ['ProductionDeployRole', `${APP}-production`, `${APP}-dev`],
  ])('%s allows what EB does behind an UpdateEnvironment of %s, and the engine\'s deploy calls there only', (role, own, other) => {
    const policies = policiesOf(role);
    const state = new EbState(REGION, ACCOUNT);
    const denied = serviceCalls(state, environment(own), 'update').filter((n) => !allowed(policies, n.action, n.resource, n.context as Record<string, string>));
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
});
