// deploy.yml's "Tag the image for this version" step, run as the runner runs it. There is no ECR
// emulator, so `aws` here is a recorder standing in for awscli: it logs each call and answers as
// ECR does (BatchGetImage → the manifest; PutImage → ok, ImageAlreadyExistsException, or
// AccessDeniedException). What is checked is the step's own logic: which repository, digest and
// tag it derives from the image reference and label, and that a refusal warns without failing.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStep } from './run-step.js';

const digest = `sha256:${'8d41c0ffee12'.padEnd(64, '0')}`;
const ecrRef = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${digest}`;
const MANIFEST = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}';

let bin: string;
beforeEach(async () => {
  bin = await mkdtemp(join(tmpdir(), 'eb-pipeline-ecr-bin-'));
  await writeFile(
    join(bin, 'aws'),
    `#!/bin/bash
printf '%s\\n' "$*" >>"${bin}/calls"
case "$2" in
  batch-get-image)
    if [[ $* == *imageManifestMediaType* ]]; then echo application/vnd.oci.image.manifest.v1+json; else echo '${MANIFEST}'; fi ;;
  put-image)
    case "$PUT_IMAGE" in
      exists) echo "An error occurred (ImageAlreadyExistsException) when calling the PutImage operation: Image with digest already exists" >&2; exit 254 ;;
      denied) echo "An error occurred (AccessDeniedException) when calling the PutImage operation: not authorized to perform ecr:PutImage" >&2; exit 254 ;;
      *) echo '{"image":{}}' ;;
    esac ;;
esac
`,
  );
  await chmod(join(bin, 'aws'), 0o755);
});
afterEach(async () => {
  await rm(bin, { recursive: true, force: true });
});

const tag = (imageRef: string, label: string, putImage = 'ok') =>
  runStep('.github/workflows/deploy.yml', {
    step: 'keep-image',
    contexts: { 'inputs.image-ref': imageRef, 'steps.bundle.outputs.version-label': label },
    env: { PATH: `${bin}:/usr/bin:/bin`, PUT_IMAGE: putImage },
  });
const calls = async (): Promise<string[]> => (await readFile(join(bin, 'calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('deploy.yml: the image a new version names gets a tag of its own', () => {
  it('tags the digest eb-<label> in its repository and region', async () => {
    const result = await tag(ecrRef, '3f2a9c1d0b7e-8d41c0ffee12');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`tagged shop@${digest} as eb-3f2a9c1d0b7e-8d41c0ffee12`);
    const log = await calls();
    expect(log).toHaveLength(3);
    expect(log[0]).toBe(`ecr batch-get-image --region eu-west-1 --repository-name shop --image-ids imageDigest=${digest} --query images[0].imageManifest --output text`);
    expect(log[2]).toBe(
      `ecr put-image --region eu-west-1 --repository-name shop --image-tag eb-3f2a9c1d0b7e-8d41c0ffee12 --image-digest ${digest} --image-manifest ${MANIFEST} --image-manifest-media-type application/vnd.oci.image.manifest.v1+json`,
    );
  });

  it('makes a label with characters ECR tags refuse into a valid tag; nested repositories keep their path', async () => {
    const result = await tag(`123456789012.dkr.ecr.us-east-1.amazonaws.com/team/shop@${digest}`, 'release 7+hotfix:1');
    expect(result.code, result.stderr).toBe(0);
    expect((await calls())[2]).toMatch(/--region us-east-1 --repository-name team\/shop --image-tag eb-release-7-hotfix-1 /);
  });

  it('an existing tag is fine; a refused one warns and the deploy goes on', async () => {
    const exists = await tag(ecrRef, 'v7', 'exists');
    expect(exists.code).toBe(0);
    expect(exists.stdout).toContain(`shop@${digest} already carries eb-v7`);
    const denied = await tag(ecrRef, 'v8', 'denied');
    expect(denied.code).toBe(0);
    expect(denied.stdout).toMatch(/^::warning::could not tag shop@sha256:8d41c0ffee12\S* as eb-v8 \(grant ecr:BatchGetImage and ecr:PutImage on the repository\): .*AccessDeniedException/m);
  });

  it('an image outside ECR (e.g. GHCR) needs no tag and makes no call', async () => {
    const result = await tag(`ghcr.io/owner/shop@${digest}`, 'v9');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('is not in Amazon ECR: no eb- tag to add');
    expect(await calls()).toEqual([]);
  });
});
