// docs/iam-policy.json must grant exactly the Elastic Beanstalk calls the engine makes, and the
// S3 permissions behind its S3 calls: found by reading the sources for `new XxxCommand(`.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Other engineers' code (the emulator, the demo's setup) is not what a deploy runs.
const NOT_ENGINE = new Set(['emulator', 'demo']);

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!NOT_ENGINE.has(e.name)) out.push(...(await sources(join(dir, e.name))));
    } else if (e.name.endsWith('.ts')) out.push(join(dir, e.name));
  }
  return out;
}

// S3 API call → IAM action (HeadObject is authorised by s3:GetObject; multipart parts by s3:PutObject).
// HeadObject on a key that does not exist answers 404 only with s3:ListBucket, else 403 (S3 API
// reference, HeadObject "Permissions"): the upload's existence check needs it.
const S3_PERMISSION: Record<string, string[]> = {
  HeadObject: ['s3:GetObject', 's3:ListBucket'],
  // HeadBucket is authorised by s3:ListBucket.
  HeadBucket: ['s3:ListBucket'],
  GetObject: ['s3:GetObject'],
  PutObject: ['s3:PutObject'],
  CreateMultipartUpload: ['s3:PutObject'],
  UploadPart: ['s3:PutObject'],
  CompleteMultipartUpload: ['s3:PutObject'],
  AbortMultipartUpload: ['s3:AbortMultipartUpload'],
  DeleteObject: ['s3:DeleteObject'],
};
// EB authorises UpdateTagsForResource as two virtual actions, one per list (EB API reference).
const EB_PERMISSION: Record<string, string[]> = { UpdateTagsForResource: ['elasticbeanstalk:AddTags', 'elasticbeanstalk:RemoveTags'] };
const EB_COMMANDS = new Set([
  'AbortEnvironmentUpdate', 'CreateApplicationVersion', 'CreateStorageLocation', 'DeleteApplicationVersion', 'DescribeAccountAttributes',
  'DescribeApplicationVersions', 'DescribeEnvironments', 'DescribeEvents', 'DescribeInstancesHealth', 'UpdateEnvironment',
  'DescribeEnvironmentHealth', 'CreateApplication', 'CreateEnvironment', 'TerminateEnvironment', 'DescribeApplications', 'ListTagsForResource',
  'DescribeConfigurationSettings',
]);

interface Policy {
  Statement: { Action: string[] }[];
}

describe('docs/iam-policy.json', () => {
  it('covers every call the engine makes, and grants no Elastic Beanstalk call it does not make', async () => {
    const text = (await Promise.all((await sources('src')).map((f) => readFile(f, 'utf8')))).join('\n');
    const commands = new Set([...text.matchAll(/new ([A-Z][A-Za-z]+)Command\(/g)].map((m) => m[1] ?? ''));
    if (/new Upload\(/.test(text)) commands.add('Upload');
    const needed = new Set<string>();
    for (const c of commands) {
      if (EB_PERMISSION[c]) for (const p of EB_PERMISSION[c]) needed.add(p);
      else if (EB_COMMANDS.has(c)) needed.add(`elasticbeanstalk:${c}`);
      else if (S3_PERMISSION[c]) for (const p of S3_PERMISSION[c]) needed.add(p);
      else throw new Error(`unmapped AWS command in the engine: ${c}Command; add it to this test and to docs/iam-policy.json`);
    }
    // DeleteApplicationVersion with DeleteSourceBundle deletes the bundle with the caller's rights.
    if (/DeleteSourceBundle/.test(text)) needed.add('s3:DeleteObject');
    const policy = JSON.parse(await readFile('docs/iam-policy.json', 'utf8')) as Policy;
    const granted = new Set(policy.Statement.flatMap((s) => s.Action));
    expect([...needed].filter((a) => !granted.has(a))).toEqual([]);
    expect([...granted].filter((a) => a.startsWith('elasticbeanstalk:') && !needed.has(a))).toEqual([]);
    expect(needed.has('elasticbeanstalk:UpdateEnvironment')).toBe(true);
  });
});
