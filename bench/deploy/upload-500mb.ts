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
const ROUNDS = 2;

interface UploadRun {
  run: ProcessRun;
  storedBytes: number;
}

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
    const stored = async (key: string): Promise<number> => (await ctx.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength ?? -1;
    const ours: UploadRun[] = [];
    const aws: UploadRun[] = [];
    // Alternating rounds, each to a new key (ours is content-addressed: the same prefix twice would upload nothing).
    for (let round = 1; round <= ROUNDS; round++) {
      ctx.log(`upload round ${round}/${ROUNDS}: ours (upload-bundle action)`);
      const o = await runActionBundle(ctx.bundles, 'upload-bundle', { 'application-name': ctx.app, bundle: file, bucket, 'key-prefix': `bench-upload-${round}` }, toolEnv(ctx), {
        measureRss: true,
        timeoutMs: 300_000,
      });
      if (o.code !== 0) throw new Error(`upload-bundle failed (exit ${o.code}): ${actionErrors(o) || tail(o)}`);
      if (o.outputs['uploaded-bytes'] !== String(SIZE)) throw new Error(`upload-bundle reported uploaded-bytes ${o.outputs['uploaded-bytes'] ?? '(none)'}, expected ${SIZE}`);
      ours.push({ run: o, storedBytes: await stored(o.outputs['s3-key'] ?? '') });
      ctx.log(`upload round ${round}/${ROUNDS}: aws s3 cp`);
      const awsKey = `bench-upload-${round}/aws-s3-cp.zip`;
      const a = await runProcess('/usr/bin/aws', ['s3', 'cp', '--only-show-errors', file, `s3://${bucket}/${awsKey}`, '--endpoint-url', ctx.emulator.s3Endpoint], {
        env: toolEnv(ctx),
        measureRss: true,
        timeoutMs: 300_000,
      });
      if (a.code !== 0) throw new Error(`aws s3 cp failed (exit ${a.code}): ${tail(a)}`);
      aws.push({ run: a, storedBytes: await stored(awsKey) });
    }
    const best = (runs: UploadRun[]): number => Math.min(...runs.map((r) => r.run.wallMs));
    const rate = (ms: number): number => mib(SIZE) / (ms / 1000);
    const peakRss = (runs: UploadRun[]): number => Math.max(...runs.map((r) => (r.run.maxRssKb ?? Number.POSITIVE_INFINITY) / 1024));
    const row = (name: string, runs: UploadRun[], notes: string): (string | number)[] => [
      name,
      runs.map((r) => (r.run.wallMs / 1000).toFixed(2)).join(', '),
      rate(best(runs)).toFixed(1),
      peakRss(runs).toFixed(0),
      runs.every((r) => r.storedBytes === SIZE) ? 'yes' : `NO (${runs.map((r) => r.storedBytes).join(', ')})`,
      notes,
    ];
    const ratio = rate(best(ours)) / rate(best(aws));
    return {
      title: '2. Upload of a 500 MiB bundle',
      note: `${ROUNDS} alternating rounds per tool, each to a new key. Wall time of the whole process (start-up, sha256 of the file, HeadObject, multipart upload, verification for ours); MiB/s from the best round; peak RSS = the highest of the rounds, from /usr/bin/time -v. Same emulator S3, loopback. Target: at least as fast as awscli with ≤150 MiB RSS.`,
      columns: ['tool', 'wall s per round', 'MiB/s (best round)', 'peak RSS MiB', 'stored size right', 'notes'],
      rows: [row('ours: upload-bundle action', ours, 'uploaded-bytes = 524288000; 8 MiB parts × 4 in flight'), row('aws s3 cp', aws, 'awscli defaults: 8 MiB parts × 10 in flight')],
      footer: [`At least as fast as awscli: ${verdict(ratio >= 1)} (${ratio.toFixed(2)}× its throughput); ≤${RSS_TARGET_MIB} MiB RSS: ${verdict(peakRss(ours) <= RSS_TARGET_MIB)}.`],
    };
  } finally {
    await rm(file, { force: true });
  }
}
