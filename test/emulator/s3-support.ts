// Shared by the S3 emulator tests: a server on a free port over a temp dir, and an S3Client
// built the way production code builds it — from environment variables only.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { startS3Server } from '../../src/emulator/s3/server.js';
import type { S3Server } from '../../src/emulator/s3/server.js';

export interface S3Fixture {
  server: S3Server;
  client: S3Client;
  dataDir: string;
}

/** Starts the server before the file's tests and stops it (and removes its data) after them. */
export function useS3Server(): () => S3Fixture {
  let fixture: S3Fixture | undefined;
  const previousEndpoint = process.env.AWS_ENDPOINT_URL_S3;
  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 's3-emulator-test-'));
    const server = await startS3Server({ dataDir });
    process.env.AWS_ENDPOINT_URL_S3 = server.endpoint;
    fixture = { server, dataDir, client: new S3Client({}) };
  });
  afterAll(async () => {
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
    else process.env.AWS_ENDPOINT_URL_S3 = previousEndpoint;
    fixture?.client.destroy();
    await fixture?.server.close();
    if (fixture) await rm(fixture.dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!fixture) throw new Error('the S3 server is not started yet');
    return fixture;
  };
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function streamToBuffer(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
