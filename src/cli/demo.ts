// `eb-pipeline demo`: the pipeline's whole way (src/demo/pipeline-demo.ts), or with --fast the deploy
// story alone on a Procfile bundle (src/demo/demo.ts), with their few knobs.
import os from 'node:os';
import path from 'node:path';
import { ConfigurationError } from '../config/errors.js';
import { parseBoolean, readString } from '../config/parse.js';
import { runDemo } from '../demo/demo.js';
import { runPipelineDemo } from '../demo/pipeline-demo.js';
import type { Command } from './command.js';
import { EXIT_FAILED, EXIT_OK, runCommand, type FlagSpec } from './command-support.js';

const DEFAULT_REGISTRY_DIR = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'eb-pipeline', 'demo-registry');
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/django_eb_demo';

const USAGE = `usage: eb-pipeline demo [--fast] [--time-scale X] [--database-url URL] [--registry-dir DIR]

Runs the Django tests against PostgreSQL, builds the base image (once: later runs find it in the
registry) and the dev image on it with scripts/build-images.sh, pushes them to a local registry,
lays out the Docker bundle with scripts/make-bundle.sh, and deploys it with the deploy action to
the local Elastic Beanstalk (2 instances, each running the image): v1 Green and serving, then a
broken v2 image that the health gate catches and rolls back. Exits 0 only when that story held.
Needs root, podman, skopeo, docker-registry, socat and PostgreSQL (scripts/setup.sh).`;

const FLAGS: FlagSpec[] = [
  { name: 'fast', boolean: true, help: 'the deploy story only: a Procfile bundle run on the host, no images' },
  { name: 'time-scale', arg: 'X', help: 'emulator speed: 1 = EB\'s real timing, 0.1 (default) = ten times faster' },
  { name: 'database-url', arg: 'URL', help: `PostgreSQL for the app; the database is dropped and created\n(default ${DEFAULT_DATABASE_URL})` },
  { name: 'registry-dir', arg: 'DIR', help: `where the local registry keeps images between runs\n(default ${DEFAULT_REGISTRY_DIR})` },
];

export const demoCommand: Command = {
  summary: 'run the pipeline locally: tests, images, bundle, healthy v1, broken v2 rolled back',
  run: (argv) =>
    runCommand('demo', argv, USAGE, FLAGS, async (f) => {
      const rawScale = readString(f.read, 'time-scale');
      const timeScale = Number(rawScale || '0.1');
      if (!(timeScale > 0 && timeScale <= 1)) throw new ConfigurationError(`--time-scale must be a number in (0, 1], got "${rawScale}"`);
      const databaseUrl = readString(f.read, 'database-url') || DEFAULT_DATABASE_URL;
      if (!/^postgres(ql)?:\/\/[^/]+\/[A-Za-z_][A-Za-z0-9_]*$/.test(databaseUrl)) {
        throw new ConfigurationError(`--database-url must look like postgres://USER@HOST:PORT/NAME, got "${databaseUrl}"`);
      }
      const print = (line: string): void => console.log(line);
      if (parseBoolean(f.read, 'fast', false)) return (await runDemo({ timeScale, databaseUrl, print })) ? EXIT_OK : EXIT_FAILED;
      const registryDir = path.resolve(readString(f.read, 'registry-dir') || DEFAULT_REGISTRY_DIR);
      return (await runPipelineDemo({ timeScale, databaseUrl, registryDir, print })).held ? EXIT_OK : EXIT_FAILED;
    }),
};
