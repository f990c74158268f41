// infra/eb-pipeline.yml, checked offline (no AWS, no cfn-lint here): every reference resolves, each
// GitHub environment has its own role trusted only by that environment, production's role can update
// only production, ECR never expires an image a version names, the environments carry every setting
// a bundle would otherwise change (Immutable), and the settings the Django app requires are provided.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../workflows/workflow-files.js';
import { actions, loadTemplate, references, resources, text, type PolicyDocument, type Statement } from './cloudformation.js';

const template = loadTemplate();
const resource = (name: string) => {
  const r = template.Resources[name];
  if (!r) throw new Error(`infra/eb-pipeline.yml has no resource ${name}`);
  return r;
};
const inlineStatements = (role: string): Statement[] =>
  (resource(role).Properties.Policies as { PolicyDocument: PolicyDocument }[]).flatMap((p) => p.PolicyDocument.Statement);
const managedStatements = (role: string): Statement[] =>
  ((resource(role).Properties.ManagedPolicyArns as unknown[]) ?? [])
    .map((arn) => (arn as { Ref?: string }).Ref)
    .filter((name): name is string => !!name && template.Resources[name]?.Type === 'AWS::IAM::ManagedPolicy')
    .flatMap((name) => (resource(name).Properties.PolicyDocument as PolicyDocument).Statement);
const statementsOf = (role: string) => [...inlineStatements(role), ...managedStatements(role)];
const grants = (statements: Statement[], action: string) =>
  statements.filter((s) => s.Effect === 'Allow' && actions(s).some((a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1)))));

interface OptionSetting {
  Namespace: string;
  OptionName: string;
  Value: unknown;
}
const options = (env: string): OptionSetting[] => resource(env).Properties.OptionSettings as OptionSetting[];
const option = (env: string, namespace: string, name: string) => options(env).find((o) => o.Namespace === namespace && o.OptionName === name)?.Value;

describe('infra/eb-pipeline.yml: structure', () => {
  it('every Ref, GetAtt and ${} in a Sub names a parameter, a resource or a pseudo parameter', () => {
    const known = new Set([...Object.keys(template.Parameters), ...Object.keys(template.Resources)]);
    const unknown = [...references(template.Resources), ...references(template.Outputs)].filter((name) => !known.has(name) && !name.startsWith('AWS::'));
    expect(unknown).toEqual([]);
  });

  it('creates what a first deploy needs', () => {
    const types = Object.values(template.Resources).map((r) => r.Type);
    for (const type of [
      'AWS::IAM::OIDCProvider', 'AWS::IAM::Role', 'AWS::IAM::InstanceProfile', 'AWS::ECR::Repository', 'AWS::S3::Bucket',
      'AWS::ElasticBeanstalk::Application', 'AWS::ElasticBeanstalk::Environment', 'AWS::RDS::DBInstance', 'AWS::EC2::SecurityGroup',
    ]) expect(types, type).toContain(type);
    expect(types.filter((t) => t === 'AWS::ElasticBeanstalk::Environment')).toHaveLength(2);
  });

  it('the OIDC provider is optional (an account has at most one)', () => {
    expect(resource('GitHubOidcProvider').Condition).toBe('CreateOidc');
    expect(template.Parameters.CreateOidcProvider?.Default).toBe('true');
    expect(resource('GitHubOidcProvider').Properties.ClientIdList).toEqual(['sts.amazonaws.com']);
  });

  it('gives the workflows every value they read (docs/aws-setup.md step 3)', () => {
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(['DevRoleArn', 'ProductionRoleArn', 'EcrRepository', 'EbApplication', 'EbDevEnvironment', 'EbProductionEnvironment', 'BundleBucket', 'DevUrl']),
    );
  });

  it('names fit EB: <application>-production is at most 40 characters', () => {
    const pattern = template.Parameters.ApplicationName?.AllowedPattern ?? '';
    const longest = Number(/\{\d+,(\d+)\}/.exec(pattern)?.[1]) + 1;
    expect(longest + '-production'.length).toBeLessThanOrEqual(40);
  });
});

describe('infra/eb-pipeline.yml: one role per GitHub environment', () => {
  const trust = (role: string) => {
    const [statement, ...rest] = (resource(role).Properties.AssumeRolePolicyDocument as PolicyDocument).Statement;
    expect(rest).toEqual([]);
    return statement!;
  };

  it.each([
    ['DevDeployRole', 'dev'],
    ['ProductionDeployRole', 'production'],
  ])('%s is assumable only by jobs in the GitHub environment "%s", for sts.amazonaws.com', (role, environment) => {
    const statement = trust(role);
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    // Exact matches only: StringLike with a wildcard would let any branch or environment in.
    expect(Object.keys(statement.Condition ?? {})).toEqual(['StringEquals']);
    const conditions = statement.Condition!.StringEquals!;
    expect(conditions['token.actions.githubusercontent.com:aud']).toBe('sts.amazonaws.com');
    expect(text(conditions['token.actions.githubusercontent.com:sub'])).toBe(`repo:\${GitHubRepository}:environment:${environment}`);
    expect(JSON.stringify(statement.Principal)).toContain('token.actions.githubusercontent.com');
  });

  const environmentArn = (env: string) => `:environment/\${ApplicationName}/\${ApplicationName}-${env}`;

  it.each([
    ['DevDeployRole', 'dev', 'production'],
    ['ProductionDeployRole', 'production', 'dev'],
  ])('%s may update and abort only the %s environment', (role, own, other) => {
    for (const action of ['elasticbeanstalk:UpdateEnvironment', 'elasticbeanstalk:AbortEnvironmentUpdate']) {
      const granted = grants(statementsOf(role), action).flatMap(resources).map(text);
      expect(granted.some((arn) => arn.endsWith(environmentArn(own))), `${action} on ${own}`).toBe(true);
      expect(granted.filter((arn) => arn === '*' || arn.endsWith(environmentArn(other)) || arn.includes(':environment/*'))).toEqual([]);
    }
  });

  it('only dev pushes images and creates application versions; production deploys what dev built', () => {
    expect(grants(statementsOf('DevDeployRole'), 'ecr:PutImage')).toHaveLength(1);
    expect(grants(statementsOf('DevDeployRole'), 'elasticbeanstalk:CreateApplicationVersion')).toHaveLength(1);
    expect(grants(statementsOf('ProductionDeployRole'), 'ecr:PutImage')).toEqual([]);
    expect(grants(statementsOf('ProductionDeployRole'), 'elasticbeanstalk:CreateApplicationVersion')).toEqual([]);
  });

  it.each(['DevDeployRole', 'ProductionDeployRole'])('%s can list the bundle bucket (a missing key is then 404, not 403)', (role) => {
    const list = grants(statementsOf(role), 's3:ListBucket').flatMap(resources);
    expect(list).toContainEqual({ 'Fn::GetAtt': ['BundlesBucket', 'Arn'] });
    expect(grants(statementsOf(role), 's3:GetObject').flatMap(resources).map(text)).toContain('${BundlesBucket.Arn}/*');
  });

  it('what EB does behind UpdateEnvironment is granted, and passing roles only the two environment roles', () => {
    const statements = statementsOf('ProductionDeployRole');
    for (const action of ['cloudformation:UpdateStack', 'autoscaling:UpdateAutoScalingGroup', 'ec2:CreateLaunchTemplateVersion', 'elasticloadbalancing:RegisterTargets', 'iam:PassRole'])
      expect(grants(statements, action), action).not.toEqual([]);
    expect(grants(statements, 'iam:PassRole').flatMap(resources)).toEqual([{ 'Fn::GetAtt': ['InstanceRole', 'Arn'] }, { 'Fn::GetAtt': ['ServiceRole', 'Arn'] }]);
    expect(grants(statements, 'cloudformation:UpdateStack').flatMap(resources).map(text)).toEqual(['arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/awseb-*']);
  });

  it('no statement anywhere allows every action', () => {
    const all = Object.values(template.Resources).flatMap((r) =>
      [r.Properties.PolicyDocument, ...((r.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument)]
        .filter(Boolean)
        .flatMap((doc) => (doc as PolicyDocument).Statement),
    );
    expect(all.length).toBeGreaterThan(10);
    expect(all.flatMap(actions).filter((a) => a === '*' || a.startsWith('elasticbeanstalk:*') || a.startsWith('iam:*') || a.startsWith('s3:*'))).toEqual([]);
  });
});

describe('infra/eb-pipeline.yml: images, roles of the environments, buckets, databases', () => {
  it('ECR expires only untagged images and old bases: a digest a version names keeps its eb-<label> tag', () => {
    const policy = JSON.parse(String((resource('AppRepository').Properties.LifecyclePolicy as { LifecyclePolicyText: string }).LifecyclePolicyText)) as {
      rules: { selection: { tagStatus: string; tagPrefixList?: string[] } }[];
    };
    for (const { selection } of policy.rules) {
      expect(selection.tagStatus).not.toBe('any');
      if (selection.tagStatus === 'tagged') expect(selection.tagPrefixList).toEqual(['base-']);
    }
    expect(policy.rules.map((r) => r.selection.tagStatus)).toContain('untagged');
  });

  it('the service role and the instance role carry the managed policies EB needs', () => {
    expect(text(resource('ServiceRole').Properties.ManagedPolicyArns)).toMatch(/AWSElasticBeanstalkEnhancedHealth.*AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy/);
    const instance = JSON.stringify(resource('InstanceRole').Properties.ManagedPolicyArns);
    expect(instance).toContain('AWSElasticBeanstalkWebTier');
    expect(instance).toContain('AmazonEC2ContainerRegistryReadOnly');
    expect(inlineStatements('InstanceRole').flatMap(resources).map(text)).toContain('${MediaBucket.Arn}/*');
    expect(resource('InstanceProfile').Properties.Roles).toEqual([{ Ref: 'InstanceRole' }]);
  });

  it.each(['MediaBucket', 'BundlesBucket'])('%s blocks public access and is encrypted', (bucket) => {
    expect(resource(bucket).Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(JSON.stringify(resource(bucket).Properties.BucketEncryption)).toContain('SSEAlgorithm');
  });

  it('the bundle bucket aborts multipart uploads a cancelled job left', () => {
    expect(JSON.stringify(resource('BundlesBucket').Properties.LifecycleConfiguration)).toContain('"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}');
  });

  it.each(['DevDatabase', 'ProductionDatabase'])('%s is PostgreSQL with a managed secret, private, reachable only from the instances', (db) => {
    const p = resource(db).Properties;
    expect([p.Engine, p.ManageMasterUserPassword, p.PubliclyAccessible, p.StorageEncrypted]).toEqual(['postgres', true, false, true]);
    expect(p.MasterUserPassword).toBeUndefined();
    expect(p.VPCSecurityGroups).toEqual([{ Ref: 'DatabaseSecurityGroup' }]);
    expect(resource('DatabaseSecurityGroup').Properties.SecurityGroupIngress).toEqual([
      { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: { Ref: 'InstanceSecurityGroup' } },
    ]);
  });
});

describe('infra/eb-pipeline.yml: the environments', () => {
  const differing = new Set(['aws:autoscaling:asg/MinSize', 'aws:autoscaling:asg/MaxSize']);
  const perEnvironment = (o: OptionSetting) =>
    differing.has(`${o.Namespace}/${o.OptionName}`) ||
    ['DJANGO_SETTINGS_MODULE', 'AWS_MEDIA_PREFIX', 'DATABASE_HOST', 'DATABASE_SECRET', 'SECRET_KEY'].includes(o.OptionName);

  it.each(['DevEnvironment', 'ProductionEnvironment'])('%s: Docker on AL2023, enhanced health, an application load balancer, launch templates, /healthz, Immutable', (env) => {
    expect(resource(env).Properties.SolutionStackName).toEqual({ Ref: 'SolutionStackName' });
    expect(template.Parameters.SolutionStackName?.AllowedPattern).toContain('Amazon Linux 2023 .* running Docker');
    expect(option(env, 'aws:elasticbeanstalk:healthreporting:system', 'SystemType')).toBe('enhanced');
    expect(option(env, 'aws:elasticbeanstalk:environment', 'LoadBalancerType')).toBe('application');
    expect(option(env, 'aws:autoscaling:launchconfiguration', 'DisableIMDSv1')).toBe('true');
    expect(option(env, 'aws:autoscaling:launchconfiguration', 'RootVolumeType')).toBe('gp3');
    expect(option(env, 'aws:autoscaling:launchconfiguration', 'IamInstanceProfile')).toEqual({ Ref: 'InstanceProfile' });
    expect(option(env, 'aws:elasticbeanstalk:environment', 'ServiceRole')).toEqual({ 'Fn::GetAtt': ['ServiceRole', 'Arn'] });
    expect(option(env, 'aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath')).toBe('/healthz');
    expect(option(env, 'aws:elasticbeanstalk:command', 'DeploymentPolicy')).toBe('Immutable');
  });

  it('dev and production differ only in capacity, settings module, media prefix and their own database and key', () => {
    const shared = (env: string) => options(env).filter((o) => !perEnvironment(o));
    expect(shared('DevEnvironment')).toEqual(shared('ProductionEnvironment'));
    expect(option('DevEnvironment', 'aws:elasticbeanstalk:application:environment', 'DJANGO_SETTINGS_MODULE')).toBe('config.settings.dev');
    expect(option('ProductionEnvironment', 'aws:elasticbeanstalk:application:environment', 'DJANGO_SETTINGS_MODULE')).toBe('config.settings.production');
    const secrets = (env: string) => JSON.stringify(options(env).filter((o) => o.Namespace === 'aws:elasticbeanstalk:application:environmentsecrets'));
    expect(secrets('DevEnvironment')).toContain('DevDatabase');
    expect(secrets('DevEnvironment')).not.toContain('Production');
    expect(secrets('ProductionEnvironment')).not.toContain('Dev');
  });

  it.each(['DevEnvironment', 'ProductionEnvironment'])('%s provides every variable the deployed settings require', (env) => {
    const settings = ['_deployed.py', 'base.py', 'production.py', 'dev.py']
      .map((f) => readFileSync(join(repoRoot, 'django-app/config/settings', f), 'utf8'))
      .join('\n');
    // env_str("NAME") with no default: the settings refuse to load without it.
    const required = [...settings.matchAll(/env_str\("([A-Z_]+)"\)/g)].map((m) => String(m[1]));
    expect(required).toContain('SECRET_KEY');
    const given = options(env)
      .filter((o) => o.Namespace.startsWith('aws:elasticbeanstalk:application:environment'))
      .map((o) => o.OptionName);
    expect(required.filter((name) => !given.includes(name))).toEqual([]);
    // DATABASE_URL is not set: the RDS secret, host and name replace it.
    expect(given).toEqual(expect.arrayContaining(['DATABASE_SECRET', 'DATABASE_HOST', 'DATABASE_NAME', 'AWS_STORAGE_BUCKET_NAME']));
  });

  it('the instances may read exactly the environments\' secrets', () => {
    const secretsRead = grants(inlineStatements('InstanceRole'), 'secretsmanager:GetSecretValue').flatMap(resources);
    const referenced = ['DevEnvironment', 'ProductionEnvironment'].flatMap((env) =>
      options(env).filter((o) => o.Namespace === 'aws:elasticbeanstalk:application:environmentsecrets').map((o) => o.Value),
    );
    expect(new Set(secretsRead.map((v) => JSON.stringify(v)))).toEqual(new Set(referenced.map((v) => JSON.stringify(v))));
  });
});
