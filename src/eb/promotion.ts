// Promotion check: a version may go from one environment to the next (dev → production) only when
// it passed the gate on the source environment (the verified-release record: its latest mark there
// is eb-pipeline:verified:<source>, docs/verified-releases.md) AND the source environment runs it
// healthily now: Status Ready (no deploy in flight), Health Green, VersionLabel the version. A
// version that failed its gate, one still being deployed, one dev has since moved away from, or one
// deployed before the record existed is refused, before anything changes.
//
// Read-only: DescribeEnvironments, DescribeApplicationVersions, ListTagsForResource.
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { ConfigurationError, DeployFailedError } from '../config/errors.js';
import type { RetryContext } from '../aws/retry.js';
import { describeEnvironment } from './environment.js';
import { FAILED_TAG, VERIFIED_TAG, recordOf, verdict } from './release-record.js';
import { findVersion } from './versions.js';

export interface PromotionRequest {
  applicationName: string;
  /** The environment the version comes from, e.g. shop-dev. */
  sourceEnvironment: string;
  /** The version the caller expects; undefined: whatever the source environment runs. */
  versionLabel: string | undefined;
}

export interface PromotionVerdict {
  label: string;
  /** When the version was marked verified on the source environment (epoch ms). */
  verifiedAt: number;
  /** One sentence for the log and the summary. */
  why: string;
}

/** Throws DeployFailedError naming the reason when the version may not be promoted. */
export async function checkPromotion(eb: ElasticBeanstalkClient, req: PromotionRequest, retry: RetryContext): Promise<PromotionVerdict> {
  const source = req.sourceEnvironment;
  const refuse = (reason: string): never => {
    throw new DeployFailedError(`not promoting from "${source}": ${reason}; nothing was deployed`);
  };

  let env;
  try {
    env = await describeEnvironment(eb, { applicationName: req.applicationName, environmentName: source }, retry);
  } catch (err) {
    if (err instanceof ConfigurationError)
      throw new ConfigurationError(`input "promote-from-environment": environment "${source}" does not exist in application "${req.applicationName}"`);
    throw err;
  }
  const running = env.VersionLabel;
  if (!running) return refuse(`it runs no application version`);
  const label = req.versionLabel ?? running;
  if (label !== running) return refuse(`it runs "${running}", not "${label}" (promote only what the source environment runs now)`);
  if (env.Status !== 'Ready') return refuse(`it is ${env.Status ?? 'not Ready'} (a deploy may be in flight), not Ready on "${label}"`);
  if (env.Health !== 'Green') return refuse(`its health is ${env.Health ?? 'unknown'}${env.HealthStatus ? ` (${env.HealthStatus})` : ''}, not Green, on "${label}"`);

  const version = await findVersion(eb, req.applicationName, label, retry);
  if (!version) return refuse(`application version "${label}" no longer exists in "${req.applicationName}"`);
  const [record] = await recordOf(eb, [version], retry);
  const mark = record ? verdict(record, source) : undefined;
  if (mark === 'failed') return refuse(`"${label}" failed its gate there (tag ${FAILED_TAG}${source}) and was not verified since`);
  if (mark !== 'verified' || !record)
    return refuse(`"${label}" never passed the gate there (no tag ${VERIFIED_TAG}${source}: deployed outside this suite, or before the record existed; redeploy it to "${source}" through the suite first)`);
  const verifiedAt = record.verified.get(source) ?? 0;
  return {
    label,
    verifiedAt,
    why: `"${label}" passed the gate on "${source}" at ${new Date(verifiedAt).toISOString()} and "${source}" is Ready and Green on it now`,
  };
}
