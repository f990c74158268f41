// Media uploads in the deployed settings go to S3 through django-storages (STORAGES["default"]):
// the notes page's upload, with config.settings.production, lands byte-for-byte in a bucket of the
// project's S3 emulator, under the media/ prefix, and the note links to a signed URL for it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../src/emulator/s3/server.js';
import { DJANGO_DIR, PYTHON, cleanEnv } from './support/django.js';
import { runOk } from './support/processes.js';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from './support/postgres.js';

const database = uniqueDatabaseName('djmedia');
const bucket = 'media-test';
let dataDir = '';
let server: S3Server | undefined;
let client: S3Client | undefined;

// Runs inside Django: a real multipart POST to the notes page through the whole middleware stack.
const UPLOAD = `
import json, sys
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from notes.models import Note
payload = bytes.fromhex(sys.stdin.read().strip())
response = Client().post("/", {"title": "with attachment", "attachment": SimpleUploadedFile("report.bin", payload)}, secure=True, HTTP_HOST="app.example.com")
note = Note.objects.get(title="with attachment")
print(json.dumps({"status": response.status_code, "name": note.attachment.name, "url": note.attachment.url, "storage": type(storages["default"]).__name__}))
`;

describe('media uploads with the production settings', () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'django-media-s3-'));
    server = await startS3Server({ dataDir });
    client = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await createDatabase(database);
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await dropDatabase(database);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stores the uploaded attachment in the S3 bucket through django-storages', async () => {
    const env = cleanEnv({
      DJANGO_SETTINGS_MODULE: 'config.settings.production',
      SECRET_KEY: randomBytes(48).toString('base64url'),
      DATABASE_URL: databaseUrl(database),
      ALLOWED_HOSTS: 'app.example.com',
      AWS_STORAGE_BUCKET_NAME: bucket,
      AWS_S3_ENDPOINT_URL: server!.endpoint,
      AWS_S3_REGION_NAME: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      LOG_LEVEL: 'WARNING',
    });
    await runOk(PYTHON, ['manage.py', 'migrate', '--noinput', '--verbosity', '0'], { cwd: DJANGO_DIR, env });
    const payload = randomBytes(200_000);
    const result = await runOk(PYTHON, ['manage.py', 'shell', '-c', UPLOAD], { cwd: DJANGO_DIR, env, timeoutMs: 60_000, input: payload.toString('hex') });
    const uploaded = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { status: number; name: string; url: string; storage: string };
    expect(uploaded.status).toBe(302);
    expect(uploaded.storage).toBe('S3Boto3Storage');
    expect(uploaded.name).toMatch(/^attachments\/\d{4}\/\d{2}\/report.*\.bin$/);
    expect(uploaded.url).toContain(`${server!.endpoint}/${bucket}/media/${uploaded.name}?`);
    expect(uploaded.url).toMatch(/X-Amz-Signature=|Signature=/);

    const stored = await client!.send(new GetObjectCommand({ Bucket: bucket, Key: `media/${uploaded.name}` }));
    const bytes = Buffer.from(await stored.Body!.transformToByteArray());
    expect(bytes.equals(payload)).toBe(true);
  });
});
