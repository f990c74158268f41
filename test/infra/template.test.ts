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
      expect.arrayContaining(['DevRoleArn', 'ProductionRoleArn', 'EcrRepository', 'EbApplication', 'EbDevEnvironment', 'EbProductionEnvironment', 'BundleBucket', 'DevUrl', 'ProductionUrl', 'ProductionCname']),
    );
  });

  it('the URLs it outputs are the hosts ALLOWED_HOSTS names (the environments\' CNAMEs), not the load balancers\' names', () => {
    const dev = `\${ApplicationName}-dev-\${AWS::AccountId}`;
    expect(resource('DevEnvironment').Properties.CNAMEPrefix).toEqual({ 'Fn::Sub': dev });
    expect(resource('ProductionEnvironment').Properties.CNAMEPrefix).toEqual({ 'Fn::Sub': '${ApplicationName}-production-${AWS::AccountId}' });
    expect(text(template.Outputs.DevUrl?.Value)).toBe(`http://${dev}.\${AWS::Region}.elasticbeanstalk.com`);
    expect(text(option('DevEnvironment', 'aws:elasticbeanstalk:application:environment', 'ALLOWED_HOSTS'))).toBe(`${dev}.\${AWS::Region}.elasticbeanstalk.com`);
    expect(text(template.Outputs.ProductionUrl?.Value)).toBe('https://${ProductionDomainName}');
    expect(text(template.Outputs.ProductionCname?.Value)).toBe('${ApplicationName}-production-${AWS::AccountId}.${AWS::Region}.elasticbeanstalk.com');
    expect(JSON.stringify(template.Outputs)).not.toContain('EndpointURL');
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

  it.each([
    ['DevDeployRole', 'Dev', 'dev'],
    ['ProductionDeployRole', 'Production', 'production'],
  ])('%s: what EB does behind UpdateEnvironment is granted on its environment\'s resources; it passes only its instance role and the service role', (role, Env, env) => {
    const statements = statementsOf(role);
    for (const action of ['cloudformation:UpdateStack', 'autoscaling:UpdateAutoScalingGroup', 'ec2:CreateLaunchTemplateVersion', 'elasticloadbalancing:RegisterTargets', 'iam:PassRole'])
      expect(grants(statements, action), action).not.toEqual([]);
    const pass = grants(statements, 'iam:PassRole');
    expect(pass.flatMap(resources)).toEqual([{ 'Fn::GetAtt': [`${Env}InstanceRole`, 'Arn'] }, { 'Fn::GetAtt': ['ServiceRole', 'Arn'] }]);
    expect(pass.map((s) => s.Condition)).toEqual([{ StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'elasticbeanstalk.amazonaws.com'] } }]);
    // What EB changes is scoped by the tag EB puts on every resource of the environment.
    for (const action of ['cloudformation:UpdateStack', 'autoscaling:UpdateAutoScalingGroup', 'elasticloadbalancing:RegisterTargets', 'ec2:TerminateInstances']) {
      const granted = grants(statements, action);
      expect(granted, action).not.toEqual([]);
      for (const s of granted) expect(text(s.Condition?.StringEquals?.['aws:ResourceTag/elasticbeanstalk:environment-name']), `${action} (${s.Sid ?? ''})`).toBe(`\${ApplicationName}-${env}`);
    }
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

  it.each([['Dev', 'dev'], ['Production', 'production']])('the service role and %s\'s instance role carry the managed policies EB needs; the instances read the bundles and their own media', (Env, env) => {
    expect(text(resource('ServiceRole').Properties.ManagedPolicyArns)).toMatch(/AWSElasticBeanstalkEnhancedHealth.*AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy/);
    const role = `${Env}InstanceRole`;
    const instance = JSON.stringify(resource(role).Properties.ManagedPolicyArns);
    expect(instance).toContain('AWSElasticBeanstalkWebTier');
    expect(instance).toContain('AmazonEC2ContainerRegistryReadOnly');
    // The instance downloads the version's bundle from BundlesBucket itself (WebTier covers only elasticbeanstalk-*).
    expect(grants(inlineStatements(role), 's3:GetObject').flatMap(resources).map(text)).toEqual(expect.arrayContaining(['${BundlesBucket.Arn}/*', `\${MediaBucket.Arn}/${env}/*`]));
    expect(inlineStatements(role).flatMap(resources).map(text)).not.toContain('${MediaBucket.Arn}/*');
    expect(resource(`${Env}InstanceProfile`).Properties.Roles).toEqual([{ Ref: role }]);
    expect(option(`${Env}Environment`, 'aws:autoscaling:launchconfiguration', 'IamInstanceProfile')).toEqual({ Ref: `${Env}InstanceProfile` });
    expect(option(`${Env}Environment`, 'aws:elasticbeanstalk:application:environment', 'AWS_MEDIA_PREFIX')).toBe(`${env}/media`);
  });

  it.each(['MediaBucket', 'BundlesBucket'])('%s blocks public access and is encrypted', (bucket) => {
    expect(resource(bucket).Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(JSON.stringify(resource(bucket).Properties.BucketEncryption)).toContain('SSEAlgorithm');
  });

  it('the bundle bucket aborts multipart uploads a cancelled job left', () => {
    expect(JSON.stringify(resource('BundlesBucket').Properties.LifecycleConfiguration)).toContain('"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}');
  });

  it.each(['Dev', 'Production'])('%sDatabase is PostgreSQL, private, reachable only from its own environment\'s instances', (Env) => {
    const p = resource(`${Env}Database`).Properties;
    expect([p.Engine, p.PubliclyAccessible, p.StorageEncrypted]).toEqual(['postgres', false, true]);
    expect(p.VPCSecurityGroups).toEqual([{ 'Fn::GetAtt': [`${Env}DatabaseSecurityGroup`, 'GroupId'] }]);
    expect(resource(`${Env}DatabaseSecurityGroup`).Properties.SecurityGroupIngress).toEqual([
      { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: { 'Fn::GetAtt': [`${Env}InstanceSecurityGroup`, 'GroupId'] } },
    ]);
    expect(option(`${Env}Environment`, 'aws:autoscaling:launchconfiguration', 'SecurityGroups')).toEqual({ 'Fn::GetAtt': [`${Env}InstanceSecurityGroup`, 'GroupId'] });
  });

  it.each(['Dev', 'Production'])('%sDatabase\'s password is a secret of its own that nothing rotates (EB reads it only at deploy and restart)', (Env) => {
    const p = resource(`${Env}Database`).Properties;
    // RDS's managed secret rotates every 7 days; EB would keep the old password until the next deploy.
    expect(p.ManageMasterUserPassword).toBeUndefined();
    const secret = resource(`${Env}DatabaseSecret`);
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString).toMatchObject({ SecretStringTemplate: '{"username": "app"}', GenerateStringKey: 'password', ExcludePunctuation: true });
    expect(text(p.MasterUsername)).toBe(`{{resolve:secretsmanager:\${${Env}DatabaseSecret}:SecretString:username}}`);
    expect(text(p.MasterUserPassword)).toBe(`{{resolve:secretsmanager:\${${Env}DatabaseSecret}:SecretString:password}}`);
    expect(option(`${Env}Environment`, 'aws:elasticbeanstalk:application:environmentsecrets', 'DATABASE_SECRET')).toEqual({ Ref: `${Env}DatabaseSecret` });
    expect(Object.values(template.Resources).map((r) => r.Type)).not.toContain('AWS::SecretsManager::RotationSchedule');
  });

  it('production\'s deletion protection is a parameter (on by default; a failed first create cannot roll the database back with it)', () => {
    expect(template.Parameters.ProductionDeletionProtection?.Default).toBe('true');
    expect(resource('ProductionDatabase').Properties.DeletionProtection).toEqual({ 'Fn::If': ['ProtectProductionDatabase', true, false] });
    expect(template.Conditions.ProtectProductionDatabase).toEqual({ 'Fn::Equals': [{ Ref: 'ProductionDeletionProtection' }, 'true'] });
  });
});

describe('infra/eb-pipeline.yml: the environments', () => {
  const differing = new Set(['aws:autoscaling:asg/MinSize', 'aws:autoscaling:asg/MaxSize', 'aws:autoscaling:launchconfiguration/IamInstanceProfile', 'aws:autoscaling:launchconfiguration/SecurityGroups']);
  const perEnvironment = (o: OptionSetting) =>
    differing.has(`${o.Namespace}/${o.OptionName}`) ||
    o.Namespace === 'aws:elbv2:listener:443' ||
    ['DJANGO_SETTINGS_MODULE', 'ALLOWED_HOSTS', 'AWS_MEDIA_PREFIX', 'DATABASE_HOST', 'DATABASE_SECRET', 'SECRET_KEY'].includes(o.OptionName);

  it.each(['DevEnvironment', 'ProductionEnvironment'])('%s: Docker on AL2023, enhanced health, an application load balancer, launch templates, /healthz, Immutable', (env) => {
    expect(resource(env).Properties.SolutionStackName).toEqual({ Ref: 'SolutionStackName' });
    expect(template.Parameters.SolutionStackName?.AllowedPattern).toContain('Amazon Linux 2023 .* running Docker');
    expect(option(env, 'aws:elasticbeanstalk:healthreporting:system', 'SystemType')).toBe('enhanced');
    expect(option(env, 'aws:elasticbeanstalk:environment', 'LoadBalancerType')).toBe('application');
    expect(option(env, 'aws:autoscaling:launchconfiguration', 'DisableIMDSv1')).toBe('true');
    expect(option(env, 'aws:autoscaling:launchconfiguration', 'RootVolumeType')).toBe('gp3');
    expect(option(env, 'aws:elasticbeanstalk:environment', 'ServiceRole')).toEqual({ 'Fn::GetAtt': ['ServiceRole', 'Arn'] });
    expect(option(env, 'aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath')).toBe('/healthz');
    expect(option(env, 'aws:elasticbeanstalk:command', 'DeploymentPolicy')).toBe('Immutable');
  });

  it('dev and production differ only in capacity, settings module, hosts, HTTPS, media prefix and their own roles, network, database and key', () => {
    const shared = (env: string) => options(env).filter((o) => !perEnvironment(o));
    expect(shared('DevEnvironment')).toEqual(shared('ProductionEnvironment'));
    expect(option('DevEnvironment', 'aws:elasticbeanstalk:application:environment', 'DJANGO_SETTINGS_MODULE')).toBe('config.settings.dev');
    expect(option('ProductionEnvironment', 'aws:elasticbeanstalk:application:environment', 'DJANGO_SETTINGS_MODULE')).toBe('config.settings.production');
    const secrets = (env: string) => JSON.stringify(options(env).filter((o) => o.Namespace === 'aws:elasticbeanstalk:application:environmentsecrets'));
    expect(secrets('DevEnvironment')).toContain('DevDatabaseSecret');
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

  it.each(['Dev', 'Production'])('%s\'s instances may read exactly their own environment\'s secrets', (Env) => {
    const secretsRead = grants(inlineStatements(`${Env}InstanceRole`), 'secretsmanager:GetSecretValue').flatMap(resources);
    const referenced = options(`${Env}Environment`).filter((o) => o.Namespace === 'aws:elasticbeanstalk:application:environmentsecrets').map((o) => o.Value);
    expect(referenced).toHaveLength(2);
    expect(new Set(secretsRead.map((v) => JSON.stringify(v)))).toEqual(new Set(referenced.map((v) => JSON.stringify(v))));
  });

  it('production serves HTTPS on its own domain with its ACM certificate (its settings redirect every request to https)', () => {
    expect(readFileSync(join(repoRoot, 'django-app/config/settings/production.py'), 'utf8')).toMatch(/^SECURE_SSL_REDIRECT = True$/m);
    // Required: without a certificate production cannot serve a page.
    for (const name of ['ProductionDomainName', 'ProductionCertificateArn']) {
      expect(template.Parameters[name], name).toBeDefined();
      expect(template.Parameters[name]?.Default, name).toBeUndefined();
    }
    expect(new RegExp(`^${template.Parameters.ProductionCertificateArn?.AllowedPattern ?? ''}$`).test('arn:aws:acm:eu-west-1:123456789012:certificate/0f4e2a9c-1b2d-4e3f-8a7b-6c5d4e3f2a1b')).toBe(true);
    expect(new RegExp(`^${template.Parameters.ProductionDomainName?.AllowedPattern ?? ''}$`).test('shop.example.com')).toBe(true);
    const listener = (name: string) => option('ProductionEnvironment', 'aws:elbv2:listener:443', name);
    expect([listener('ListenerEnabled'), listener('Protocol'), listener('SSLCertificateArns')]).toEqual(['true', 'HTTPS', { Ref: 'ProductionCertificateArn' }]);
    expect(option('ProductionEnvironment', 'aws:elasticbeanstalk:application:environment', 'ALLOWED_HOSTS')).toEqual({ Ref: 'ProductionDomainName' });
    expect(options('DevEnvironment').filter((o) => o.Namespace.startsWith('aws:elbv2:listener'))).toEqual([]);
  });
});
