// 2. Upload of a 500 MiB bundle: the upload-bundle action (the engine's content-addressed,
// multipart, verified upload) vs `aws s3 cp`, each a child process under `/usr/bin/time -v` for
// its peak RSS, both to the emulator's S3 on loopback. The file is random bytes behind a zip
// header (the action accepts a .zip as is), written in 1 MiB chunks and deleted afterwards.
import { randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { CreateStorageLocationCommand } from '@aws-sdk/client-elastic-beanstalk';
import { actionErrors, runActionBundle } from './action-bundles.js';
import { toolEnv, type BenchContext } from './context.js';
import { runProcess, tail, type ProcessRun } from './processes.js';
import { mib, verdict, type Table } from './report.js';

const SIZE = 500 * 1048576;
const RSS_TARGET_MIB = 150;

async function writeRandomZip(file: string, size: number): Promise<void> {
  const out = createWriteStream(file);
  const chunk = Buffer.alloc(1048576);
  for (let written = 0; written < size; written += chunk.length) {
    randomFillSync(chunk);
    if (written === 0) chunk.writeUInt32LE(0x04034b50, 0); // "PK\3\4": what a zip starts with
    if (!out.write(written + chunk.length > size ? chunk.subarray(0, size - written) : chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function measureUpload(ctx: BenchContext): Promise<Table> {
  const file = path.join(ctx.tmp, 'bundle-500mib.zip');
  try {
    ctx.log('upload: writing a 500 MiB random file');
    await writeRandomZip(file, SIZE);
    const { S3Bucket: bucket = '' } = await ctx.clients.eb.send(new CreateStorageLocationCommand({}));
    ctx.log('upload: ours (upload-bundle action)');
    const ours = await runActionBundle(
      ctx.bundles,
      'upload-bundle',
      { 'application-name': ctx.app, bundle: file, bucket, 'key-prefix': 'bench-upload' },
      toolEnv(ctx),
      { measureRss: true, timeoutMs: 300_000 },
    );
    if (ours.code !== 0) throw new Error(`upload-bundle failed (exit ${ours.code}): ${actionErrors(ours) || tail(ours)}`);
    ctx.log('upload: aws s3 cp');
    const awsKey = 'bench-upload/aws-s3-cp.zip';
    const aws = await runProcess('/usr/bin/aws', ['s3', 'cp', '--only-show-errors', file, `s3://${bucket}/${awsKey}`, '--endpoint-url', ctx.emulator.s3Endpoint], {
      env: toolEnv(ctx),
      measureRss: true,
      timeoutMs: 300_000,
    });
    if (aws.code !== 0) throw new Error(`aws s3 cp failed (exit ${aws.code}): ${tail(aws)}`);
    const stored = async (key: string): Promise<number> => (await ctx.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength ?? -1;
    const oursKey = ours.outputs['s3-key'] ?? '';
    const row = (name: string, run: ProcessRun, storedBytes: number, extra: string): (string | number)[] => [
      name,
      (run.wallMs / 1000).toFixed(2),
      (mib(SIZE) / (run.wallMs / 1000)).toFixed(1),
      run.maxRssKb === undefined ? 'n/a' : (run.maxRssKb / 1024).toFixed(0),
      storedBytes === SIZE ? 'yes' : `NO (${storedBytes})`,
      extra,
    ];
    const oursRate = SIZE / ours.wallMs;
    const awsRate = SIZE / aws.wallMs;
    const oursRss = (ours.maxRssKb ?? Number.POSITIVE_INFINITY) / 1024;
    return {
      title: '2. Upload of a 500 MiB bundle',
      note: 'Wall time of the whole process (start-up, sha256 of the file, HeadObject, multipart upload, verification for ours). Peak RSS from /usr/bin/time -v. Same emulator S3, loopback. Target: at least as fast as awscli with ≤150 MiB RSS.',
      columns: ['tool', 'wall s', 'MiB/s', 'peak RSS MiB', 'stored size right', 'notes'],
      rows: [
        row('ours: upload-bundle action', ours, await stored(oursKey), `uploaded-bytes ${ours.outputs['uploaded-bytes'] ?? '?'}, 8 MiB parts × 4 in flight`),
        row('aws s3 cp', aws, await stored(awsKey), 'awscli defaults: 8 MiB parts × 10 in flight'),
      ],
      footer: [
        `At least as fast as awscli: ${verdict(oursRate >= awsRate)} (${(oursRate / awsRate).toFixed(2)}× its throughput); ≤${RSS_TARGET_MIB} MiB RSS: ${verdict(oursRss <= RSS_TARGET_MIB)}.`,
      ],
    };
  } finally {
    await rm(file, { force: true });
  }
}
