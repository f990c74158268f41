// A 1 GiB bundle is processed and deployed without the emulator holding it in memory: the download
// is streamed to a file, processing reads only the zip's directory and the files EB reads, and
// extraction streams entry by entry. Measured on a separate emulator process, from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  CreateApplicationCommand, CreateApplicationVersionCommand, CreateEnvironmentCommand, CreateStorageLocationCommand,
  DescribeApplicationVersionsCommand, ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { describeEnv, waitFor } from '../support/emulator.js';
import { writeTestAppBundle } from '../support/test-app.js';

/** Resident and peak memory of a process, in MiB, from /proc. */
async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

async function startEmulatorProcess(): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = spawn('scripts/node24', ['--import', 'tsx', 'src/entries/cli.ts', 'emulator', 'start', '--time-scale', '0.01'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  await waitFor('emulator exports', () => Promise.resolve(stdout), (s) => s.includes('export AWS_EC2_METADATA_DISABLED='), 30_000);
  return { child, env: Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? ''])) };
}

describe('a 1 GiB bundle', () => {
  it('is processed and deployed with the emulator process growing by less than 100 MB (measured from /proc)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'big-bundle-'));
    const { child, env } = await startEmulatorProcess();
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const eb = new ElasticBeanstalkClient({});
    const s3 = new S3Client({});
    try {
      // The test app plus a 1 GiB sparse file: ~1 MB of zip, 1 GiB once inflated.
      const appDir = path.join(dir, 'app');
      await writeTestAppBundle(appDir, { version: 'big' });
      await writeFile(path.join(appDir, 'big.bin'), '');
      await truncate(path.join(appDir, 'big.bin'), 1024 ** 3);
      const zipFile = path.join(dir, 'bundle.zip');
      const zip = new yazl.ZipFile();
      for (const name of ['Procfile', 'server.mjs', 'app-config.json', '.ebextensions/01-app.config']) zip.addFile(path.join(appDir, name), name);
      zip.addFile(path.join(appDir, 'big.bin'), 'data/big.bin', { compressionLevel: 1 });
      zip.end();
      await pipeline(zip.outputStream, createWriteStream(zipFile));

      await eb.send(new CreateApplicationCommand({ ApplicationName: 'big' }));
      const { S3Bucket: bucket = '' } = await eb.send(new CreateStorageLocationCommand({}));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big.zip', Body: await readFile(zipFile) }));
      const pid = child.pid ?? 0;
      const before = await memoryOf(pid);
      let peak = before.rss;
      const sampler = setInterval(() => void memoryOf(pid).then((m) => (peak = Math.max(peak, m.rss)), () => undefined), 20);
      try {
        await eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'big', VersionLabel: 'big', SourceBundle: { S3Bucket: bucket, S3Key: 'big.zip' }, Process: true }));
        const status = await waitFor('big processed', async () => (await eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'big', VersionLabels: ['big'] }))).ApplicationVersions?.[0]?.Status, (s) => s === 'Processed' || s === 'Failed', 120_000);
        expect(status).toBe('Processed');
        const processedPeak = peak;
        // Deploying unpacks the 1 GiB entry onto the instance: streamed too.
        await eb.send(new CreateEnvironmentCommand({ ApplicationName: 'big', EnvironmentName: 'big-dev', VersionLabel: 'big' }));
        const ready = await waitFor('big-dev Ready', () => describeEnv(eb, 'big-dev'), (e) => e.Status === 'Ready', 180_000, 250);
        expect(ready).toMatchObject({ VersionLabel: 'big', Health: 'Green' });
        const after = await memoryOf(pid);
        console.log(`1 GiB bundle: emulator RSS ${before.rss.toFixed(0)} MiB before, peak ${processedPeak.toFixed(0)} MiB while processing, peak ${peak.toFixed(0)} MiB through deployment, ${after.rss.toFixed(0)} MiB after`);
        expect(processedPeak - before.rss).toBeLessThan(100);
        expect(peak - before.rss).toBeLessThan(100);
      } finally {
        clearInterval(sampler);
      }
    } finally {
      eb.destroy();
      s3.destroy();
      process.env = saved;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
