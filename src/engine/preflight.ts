// `preflight`: cheap, read-only calls that prove, before anything changes, that this identity and
// this account can carry a deploy through: the bundle bucket answers (with s3:ListBucket, so a
// missing key is a 404 and not a 403), the application and environment exist, the environment runs
// a Docker platform with enhanced health and has its instance profile and service role, and the
// version a failed deploy would return to exists. Every failure names the missing permission or
// resource and the docs section that fixes it. What can only be known by trying (the writes, and
// the calls EB makes with the caller's permissions behind UpdateEnvironment) is listed, not tried.
import { randomBytes } from 'node:crypto';
import {
  DescribeApplicationsCommand, DescribeConfigurationSettingsCommand, DescribeEnvironmentHealthCommand, DescribeEnvironmentsCommand,
  type ConfigurationOptionSetting, type EnvironmentDescription,
} from '@aws-sdk/client-elastic-beanstalk';
import { HeadBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { DeployFailedError, errorMessage } from '../config/errors.js';
import type { EngineDeps } from './deps.js';
import { chooseRollbackTarget, newestVerified, readReleaseRecord } from '../eb/release-record.js';
import { findVersion } from '../eb/versions.js';
import { defaultBucket } from '../bundle/upload.js';
import { errorName, retryUntil, withRetries } from '../aws/retry.js';

export const SETUP_DOCS = 'docs/aws-setup.md';
const PERMISSIONS_DOCS = `${SETUP_DOCS} (the deploy role's policies: docs/iam-policy.json and docs/iam-policy-eb-service-calls.json)`;

export interface PreflightRequest {
  applicationName: string;
  environmentName: string;
  /** Where the bundle goes (bucket undefined: EB's storage location, which CreateStorageLocation names without changing anything when it exists); absent: no upload, no bucket check. */
  upload?: { bucket: string | undefined; keyPrefix: string } | undefined;
  /** The label about to be deployed, if known: never its own rollback target. */
  versionLabel?: string | undefined;
  /** true when the bundle is a Docker one (Dockerrun.aws.json): the platform must be Docker. Other bundles may go to other platforms. */
  dockerBundle?: boolean;
}

export type CheckOutcome = 'ok' | 'warning' | 'failed';

export interface PreflightCheck {
  name: string;
  outcome: CheckOutcome;
  detail: string;
}

export interface PreflightResult {
  checks: PreflightCheck[];
  /** Permissions that only a real attempt can prove, with the statement that grants them. */
  untested: string[];
  passed: boolean;
}

/** What a deploy needs that no read-only call can prove (the policy documents grant them). */
export const UNTESTED = [
  's3:PutObject, s3:AbortMultipartUpload on the bundle bucket (statement BundleObjects)',
  'elasticbeanstalk:CreateApplicationVersion, UpdateEnvironment, AbortEnvironmentUpdate, AddTags, RemoveTags, DeleteApplicationVersion (statements ApplicationVersions, UpdateEnvironments, VerifiedReleaseRecord)',
  "what EB does with the caller's permissions behind UpdateEnvironment: CloudFormation, Auto Scaling, EC2 launch templates, Elastic Load Balancing, the EB bucket, iam:PassRole of the instance profile (the second policy document)",
  "the instance profile's own s3:GetObject on the bundle bucket (the instances download the bundle with it; AWSElasticBeanstalkWebTier covers only elasticbeanstalk-* buckets, infra/eb-pipeline.yml's instance roles grant their bundle bucket)",
];

const denied = (err: unknown): boolean => ['AccessDenied', 'AccessDeniedException', 'Forbidden', '403'].includes(errorName(err)) || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403;
const credentialsRefused = (err: unknown): boolean => ['InvalidClientTokenId', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'ExpiredToken', 'MissingAuthenticationToken', 'UnrecognizedClientException'].includes(errorName(err));

function lack(permission: string, resource: string): string {
  return `missing permission ${permission} on ${resource}: grant it as ${PERMISSIONS_DOCS} shows`;
}

function optionValue(settings: ConfigurationOptionSetting[], namespace: string, name: string): string | undefined {
  return settings.find((s) => s.Namespace === namespace && s.OptionName === name)?.Value || undefined;
}

export function isDockerPlatform(env: EnvironmentDescription): boolean {
  return /running Docker|\/Docker running/i.test(`${env.SolutionStackName ?? ''} ${env.PlatformArn ?? ''}`) && !/ECS/i.test(env.SolutionStackName ?? '');
}

export async function preflight(deps: EngineDeps, req: PreflightRequest): Promise<PreflightResult> {
  const retry = retryUntil(deps, 60_000, 'the preflight deadline');
  const checks: PreflightCheck[] = [];
  const add = (name: string, outcome: CheckOutcome, detail: string): void => void checks.push({ name, outcome, detail });
  const call = <T>(what: string, fn: () => Promise<T>): Promise<T> => withRetries(what, retry, fn);
  const appArn = `arn:aws:elasticbeanstalk:${deps.region}:*:application/${req.applicationName}`;
  const envArn = `arn:aws:elasticbeanstalk:${deps.region}:*:environment/${req.applicationName}/${req.environmentName}`;

  // The application: also the first signed call, so refused credentials stop here.
  try {
    const apps = await call('DescribeApplications', () => deps.eb.send(new DescribeApplicationsCommand({ ApplicationNames: [req.applicationName] })));
    if (apps.Applications?.some((a) => a.ApplicationName === req.applicationName)) add('application', 'ok', `"${req.applicationName}" exists`);
    else add('application', 'failed', `application "${req.applicationName}" does not exist in ${deps.region}: create it (${SETUP_DOCS}, the CloudFormation template) or fix application-name`);
  } catch (err) {
    if (credentialsRefused(err)) {
      add('credentials', 'failed', `AWS refused the credentials (${errorName(err)}): ${errorMessage(err)}`);
      return { checks, untested: UNTESTED, passed: false };
    }
    add('application', 'failed', denied(err) ? lack('elasticbeanstalk:DescribeApplications', appArn) : errorMessage(err));
  }

  let env: EnvironmentDescription | undefined;
  try {
    const res = await call('DescribeEnvironments', () =>
      deps.eb.send(new DescribeEnvironmentsCommand({ ApplicationName: req.applicationName, EnvironmentNames: [req.environmentName], IncludeDeleted: false })),
    );
    env = res.Environments?.find((e) => e.EnvironmentName === req.environmentName && e.Status !== 'Terminated');
    if (env) add('environment', 'ok', `"${req.environmentName}" is ${env.Status ?? '?'}, running "${env.VersionLabel ?? 'nothing'}"`);
    else add('environment', 'failed', `environment "${req.environmentName}" does not exist in application "${req.applicationName}": create it (${SETUP_DOCS}) or fix environment-name`);
  } catch (err) {
    add('environment', 'failed', denied(err) ? lack('elasticbeanstalk:DescribeEnvironments', envArn) : errorMessage(err));
  }

  if (env) {
    const platform = env.SolutionStackName ?? env.PlatformArn ?? 'an unknown platform';
    if (isDockerPlatform(env)) add('platform', 'ok', platform);
    else if (req.dockerBundle) add('platform', 'failed', `the bundle is a Docker bundle (Dockerrun.aws.json) but "${req.environmentName}" runs ${platform}: create the environment on "Docker running on 64bit Amazon Linux 2023" (${SETUP_DOCS})`);
    else add('platform', 'ok', `${platform} (not Docker: fine for this bundle; the suite's images need the Docker platform)`);

    try {
      await call('DescribeEnvironmentHealth', () => deps.eb.send(new DescribeEnvironmentHealthCommand({ EnvironmentName: req.environmentName, AttributeNames: ['HealthStatus'] })));
      add('enhanced health', 'ok', 'health per instance is reported');
    } catch (err) {
      if (denied(err)) add('enhanced health', 'failed', lack('elasticbeanstalk:DescribeEnvironmentHealth', envArn));
      else if (errorName(err) === 'InvalidRequestException')
        add('enhanced health', 'failed', `enhanced health reporting is off on "${req.environmentName}": set aws:elasticbeanstalk:healthreporting:system SystemType=enhanced (${SETUP_DOCS}); the gate judges instances by it`);
      else add('enhanced health', 'failed', errorMessage(err));
    }

    try {
      const res = await call('DescribeConfigurationSettings', () =>
        deps.eb.send(new DescribeConfigurationSettingsCommand({ ApplicationName: req.applicationName, EnvironmentName: req.environmentName })),
      );
      const settings = res.ConfigurationSettings?.[0]?.OptionSettings ?? [];
      const profile = optionValue(settings, 'aws:autoscaling:launchconfiguration', 'IamInstanceProfile');
      const serviceRole = optionValue(settings, 'aws:elasticbeanstalk:environment', 'ServiceRole');
      add('instance profile', profile ? 'ok' : 'failed', profile ?? `no instance profile (aws:autoscaling:launchconfiguration IamInstanceProfile) on "${req.environmentName}": instances cannot pull the image from ECR nor reach S3; attach the one the template creates (${SETUP_DOCS})`);
      add('service role', serviceRole ? 'ok' : 'failed', serviceRole ?? `no service role (aws:elasticbeanstalk:environment ServiceRole) on "${req.environmentName}": EB cannot report enhanced health nor manage the environment; attach the one the template creates (${SETUP_DOCS})`);
    } catch (err) {
      add('roles', 'failed', denied(err) ? lack('elasticbeanstalk:DescribeConfigurationSettings', envArn) : errorMessage(err));
    }

    try {
      const versions = await readReleaseRecord(deps.eb, req.applicationName, retry, {
        always: [env.VersionLabel, req.versionLabel],
        enough: (records) => newestVerified(records, req.environmentName, req.versionLabel) !== undefined,
      });
      const choice = chooseRollbackTarget(versions, req.environmentName, req.versionLabel, env.VersionLabel);
      if (!choice.label) add('rollback target', 'warning', `${choice.why}: a failed deploy could not be rolled back`);
      else if (await findVersion(deps.eb, req.applicationName, choice.label, retry)) add('rollback target', 'ok', `"${choice.label}" (${choice.why})`);
      else add('rollback target', 'failed', `rollback target "${choice.label}" no longer exists in "${req.applicationName}"`);
    } catch (err) {
      add('rollback target', 'failed', denied(err) ? lack('elasticbeanstalk:DescribeApplicationVersions and elasticbeanstalk:ListTagsForResource', `${appArn} and its application versions`) : errorMessage(err));
    }
  }

  if (!req.upload) return { checks, untested: UNTESTED, passed: checks.every((c) => c.outcome !== 'failed') };
  const keyPrefix = req.upload.keyPrefix;
  let bucket = req.upload.bucket;
  if (!bucket) {
    try {
      bucket = await defaultBucket(deps.eb, retry);
    } catch (err) {
      add('bucket', 'failed', denied(err) ? `${lack('elasticbeanstalk:CreateStorageLocation', '*')}, or set the bucket input` : errorMessage(err));
    }
  }
  if (bucket) {
    const bucketArn = `arn:aws:s3:::${bucket}`;
    try {
      await call('HeadBucket', () => deps.s3.send(new HeadBucketCommand({ Bucket: bucket })));
      // A key that cannot exist: 404 proves s3:ListBucket; 403 is what every first upload would get.
      const probe = `${keyPrefix ? `${keyPrefix.replace(/\/+$/, '')}/` : ''}eb-pipeline-preflight-${randomBytes(8).toString('hex')}`;
      try {
        await call('HeadObject', () => deps.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: probe })));
        add('bucket', 'warning', `s3://${bucket}/${probe} unexpectedly exists`);
      } catch (err) {
        if (errorName(err) === 'NotFound' || errorName(err) === 'NoSuchKey') add('bucket', 'ok', `s3://${bucket} reachable; a missing key answers 404 (s3:ListBucket granted)`);
        else if (denied(err)) add('bucket', 'failed', `a missing key in s3://${bucket} answers 403: ${lack('s3:ListBucket (and s3:GetObject on its objects)', bucketArn)} — without it every first upload of a new bundle fails`);
        else add('bucket', 'failed', errorMessage(err));
      }
    } catch (err) {
      if (errorName(err) === 'NotFound' || errorName(err) === 'NoSuchBucket') add('bucket', 'failed', `bucket "${bucket}" does not exist: create it (${SETUP_DOCS}) or fix the bucket input`);
      else add('bucket', 'failed', denied(err) ? lack('s3:ListBucket', bucketArn) : errorMessage(err));
    }
  }

  return { checks, untested: UNTESTED, passed: checks.every((c) => c.outcome !== 'failed') };
}

/** Logs the checks in a group and throws one error naming every failure, before any change. */
export async function runPreflight(deps: EngineDeps, req: PreflightRequest): Promise<PreflightResult> {
  return deps.log.group('Preflight', async () => {
    // Its describe calls count in the run's use (the report's rate), but pacing starts after them.
    const result = await preflight(deps, req);
    deps.budget.restartPacing();
    for (const c of result.checks) {
      const line = `${c.name}: ${c.detail}`;
      if (c.outcome === 'ok') deps.log.info(`ok    ${line}`);
      else if (c.outcome === 'warning') deps.log.warning(line);
      else deps.log.error(line);
    }
    deps.log.info(`not provable without trying (granted by the documented policies): ${result.untested.join('; ')}`);
    if (!result.passed) {
      const failed = result.checks.filter((c) => c.outcome === 'failed');
      throw new DeployFailedError(`preflight failed, nothing was changed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
    }
    return result;
  });
}
