// Which IAM action, on which S3 resource, each S3 request is authorised as (S3 user guide, "Required
// permissions for Amazon S3 API operations"; Service Authorization Reference for Amazon S3). Bucket
// operations act on arn:aws:s3:::BUCKET, object operations on arn:aws:s3:::BUCKET/KEY.
// ListObjects(V2) and HeadBucket need s3:ListBucket, ListMultipartUploads s3:ListBucketMultipartUploads,
// ListParts s3:ListMultipartUploadParts; every step of a multipart upload but the abort is s3:PutObject;
// CopyObject needs s3:GetObject on the source and s3:PutObject on the target. DeleteObjects is
// authorised here as s3:DeleteObject on BUCKET/* (S3 checks each key and reports per-key errors).
import type { IncomingHttpHeaders } from 'node:http';

export interface S3Authorization {
  action: string;
  resource: string;
}

const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
const objectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;

/** Sub-resources whose IAM action is s3:<Verb><Bucket|Object><Name>. */
const CONFIG_SUBRESOURCES: Record<string, string> = {
  acl: 'Acl', tagging: 'Tagging', versioning: 'Versioning', policy: 'Policy', cors: 'CORS', lifecycle: 'LifecycleConfiguration',
  website: 'Website', encryption: 'Encryption', logging: 'Logging', notification: 'Notification', replication: 'Replication',
  publicAccessBlock: 'PublicAccessBlock', ownershipControls: 'OwnershipControls', requestPayment: 'RequestPayment',
  accelerate: 'AccelerateConfiguration', 'object-lock': 'ObjectLockConfiguration',
};

function copySource(headers: IncomingHttpHeaders): { bucket: string; key: string } | undefined {
  const raw = headers['x-amz-copy-source'];
  if (typeof raw !== 'string') return undefined;
  let source: string;
  try {
    source = decodeURIComponent(raw.split('?')[0] ?? '').replace(/^\//, '');
  } catch {
    return undefined;
  }
  const slash = source.indexOf('/');
  return slash < 0 ? undefined : { bucket: source.slice(0, slash), key: source.slice(slash + 1) };
}

/** The authorisations one request needs (all must be allowed); empty for requests S3 answers without them. */
export function s3Authorizations(method: string, bucket: string, key: string, query: URLSearchParams, headers: IncomingHttpHeaders): S3Authorization[] {
  if (bucket === '') return method === 'GET' ? [{ action: 's3:ListAllMyBuckets', resource: '*' }] : [];
  const sub = Object.keys(CONFIG_SUBRESOURCES).find((name) => query.has(name));
  if (key === '') {
    const onBucket = (action: string): S3Authorization[] => [{ action, resource: bucketArn(bucket) }];
    if (sub) {
      const verb = method === 'GET' ? 'Get' : method === 'DELETE' ? 'Delete' : 'Put';
      return onBucket(`s3:${verb}Bucket${CONFIG_SUBRESOURCES[sub] ?? ''}`);
    }
    switch (method) {
      case 'PUT':
        return onBucket('s3:CreateBucket');
      case 'DELETE':
        return onBucket('s3:DeleteBucket');
      case 'HEAD':
        return onBucket('s3:ListBucket');
      case 'POST':
        return query.has('delete') ? [{ action: 's3:DeleteObject', resource: objectArn(bucket, '*') }] : [];
      case 'GET':
        if (query.has('location')) return onBucket('s3:GetBucketLocation');
        if (query.has('uploads')) return onBucket('s3:ListBucketMultipartUploads');
        if (query.has('versions')) return onBucket('s3:ListBucketVersions');
        return onBucket('s3:ListBucket');
      default:
        return [];
    }
  }
  const onObject = (action: string): S3Authorization => ({ action, resource: objectArn(bucket, key) });
  if (sub) {
    const verb = method === 'GET' ? 'Get' : method === 'DELETE' ? 'Delete' : 'Put';
    return [onObject(`s3:${verb}Object${CONFIG_SUBRESOURCES[sub] ?? ''}`)];
  }
  const uploadId = query.has('uploadId');
  switch (method) {
    case 'GET':
      return [onObject(uploadId ? 's3:ListMultipartUploadParts' : 's3:GetObject')];
    case 'HEAD':
      return [onObject('s3:GetObject')];
    case 'DELETE':
      return [onObject(uploadId ? 's3:AbortMultipartUpload' : 's3:DeleteObject')];
    case 'POST':
      return [onObject('s3:PutObject')];
    case 'PUT': {
      const source = copySource(headers);
      return source ? [{ action: 's3:GetObject', resource: objectArn(source.bucket, source.key) }, onObject('s3:PutObject')] : [onObject('s3:PutObject')];
    }
    default:
      return [];
  }
}

export const listBucketOf = (bucket: string): S3Authorization => ({ action: 's3:ListBucket', resource: bucketArn(bucket) });
