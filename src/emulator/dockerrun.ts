// Dockerrun.aws.json version 1, as EB's Docker platform reads it (EB developer guide, "Docker
// configuration" → "Dockerrun.aws.json v1"): Image.Name, Ports[0].ContainerPort (the port EB's
// proxy forwards to), Volumes (host directory → container directory; a relative or
// /var/app/current path is the deployed bundle) and Logging (the container's log directory).
// A bundle with a Dockerfile is built on every instance by EB; the emulator cannot build, so it
// refuses such a bundle in words rather than ignoring the Dockerfile.

export interface DockerrunVolume {
  /** Inside the bundle (relative to its root), from /var/app/current/X or X. */
  bundlePath: string;
  containerDirectory: string;
}

export interface DockerrunV1 {
  image: string;
  containerPort: number;
  volumes: DockerrunVolume[];
  /** Container directory whose files EB collects as the container's logs. */
  logging?: string;
}

/** A bundle the emulator's Docker platform cannot deploy; the message becomes the deployment's ERROR event. */
export class DockerrunError extends Error {}

export const DOCKERFILE_UNSUPPORTED =
  'The source bundle has a Dockerfile: Elastic Beanstalk would build it on every instance, and the emulator cannot build images. ' +
  'Build and push the image (scripts/build-images.sh) and deploy a bundle whose Dockerrun.aws.json names it (scripts/make-bundle.sh).';

const APP_ROOT = '/var/app/current';

function record(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DockerrunError(`Dockerrun.aws.json: ${what} must be a JSON object.`);
  return value as Record<string, unknown>;
}

function bundlePathOf(hostDirectory: string): string {
  const rel = hostDirectory.startsWith(`${APP_ROOT}/`) ? hostDirectory.slice(APP_ROOT.length + 1) : hostDirectory === APP_ROOT ? '.' : hostDirectory;
  if (rel.startsWith('/') || rel.split('/').includes('..')) {
    throw new DockerrunError(`Dockerrun.aws.json: Volumes HostDirectory "${hostDirectory}" is outside the application (${APP_ROOT}); the emulator mounts only folders of the bundle.`);
  }
  return rel.replace(/\/+$/, '') || '.';
}

/** Reads and validates Dockerrun.aws.json v1; throws DockerrunError naming what is wrong. */
export function parseDockerrun(text: string): DockerrunV1 {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DockerrunError(`Dockerrun.aws.json is not valid JSON: ${(err as Error).message}`);
  }
  const top = record(doc, 'the file');
  const version = typeof top.AWSEBDockerrunVersion === 'number' || typeof top.AWSEBDockerrunVersion === 'string' ? String(top.AWSEBDockerrunVersion) : '';
  if (version !== '1') {
    throw new DockerrunError(`Invalid Dockerrun.aws.json version "${version}": the emulator's Docker platform (Amazon Linux 2023, one container) reads version 1.`);
  }
  const image = record(top.Image, 'Image');
  const name = image.Name;
  if (typeof name !== 'string' || name.trim() === '') throw new DockerrunError('Dockerrun.aws.json: Image.Name is required (the image to pull, e.g. REGISTRY/NAME@sha256:DIGEST).');
  const ports = top.Ports;
  if (!Array.isArray(ports) || ports.length === 0) throw new DockerrunError('Dockerrun.aws.json: Ports needs one entry with ContainerPort (the port the container listens on).');
  const containerPort = Number(record(ports[0], 'Ports[0]').ContainerPort);
  if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
    throw new DockerrunError(`Dockerrun.aws.json: Ports[0].ContainerPort must be a port number (1-65535), got ${JSON.stringify(record(ports[0], 'Ports[0]').ContainerPort)}.`);
  }
  const volumes: DockerrunVolume[] = [];
  if (top.Volumes !== undefined) {
    if (!Array.isArray(top.Volumes)) throw new DockerrunError('Dockerrun.aws.json: Volumes must be a list of {HostDirectory, ContainerDirectory}.');
    for (const [n, v] of (top.Volumes as unknown[]).entries()) {
      const volume = record(v, `Volumes[${n}]`);
      const host = volume.HostDirectory;
      const container = volume.ContainerDirectory;
      if (typeof host !== 'string' || typeof container !== 'string' || !container.startsWith('/')) {
        throw new DockerrunError(`Dockerrun.aws.json: Volumes[${n}] needs HostDirectory and an absolute ContainerDirectory.`);
      }
      volumes.push({ bundlePath: bundlePathOf(host), containerDirectory: container });
    }
  }
  const logging = top.Logging;
  if (logging !== undefined && (typeof logging !== 'string' || !logging.startsWith('/'))) {
    throw new DockerrunError('Dockerrun.aws.json: Logging must be an absolute directory inside the container.');
  }
  return { image: name.trim(), containerPort, volumes, ...(typeof logging === 'string' ? { logging } : {}) };
}
