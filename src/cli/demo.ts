// `eb-pipeline demo`: the pipeline's whole way (src/demo/pipeline-demo.ts), or with --fast the deploy
// story alone on a Procfile bundle (src/demo/demo.ts), with their few knobs.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo } from '../demo/demo.js';
import { runPipelineDemo } from '../demo/pipeline-demo.js';
import type { Command } from './command.js';

const DEFAULT_REGISTRY_DIR = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'eb-pipeline', 'demo-registry');

const USAGE = `usage: eb-pipeline demo [--fast] [--time-scale X] [--database-url URL] [--registry-dir DIR]

Runs the Django tests against PostgreSQL, builds the base image (once: later runs find it in the
registry) and the dev image on it with scripts/build-images.sh, pushes them to a local registry,
lays out the Docker bundle with scripts/make-bundle.sh, and deploys it with the deploy action to
the local Elastic Beanstalk (2 instances, each running the image): v1 Green and serving, then a
broken v2 image that the health gate catches and rolls back. Exits 0 only when that story held.
Needs root, podman, skopeo, docker-registry, socat and PostgreSQL (scripts/setup.sh).

  --fast                the deploy story only: a Procfile bundle run on the host, no images
  --time-scale X        emulator speed: 1 = EB's real timing, 0.1 (default) = ten times faster
  --database-url URL    PostgreSQL for the app; the database is dropped and created
                        (default postgres://postgres@127.0.0.1:5432/django_eb_demo)
  --registry-dir DIR    where the local registry keeps images between runs
                        (default ${DEFAULT_REGISTRY_DIR})`;

export const demoCommand: Command = {
  summary: 'run the pipeline locally: tests, images, bundle, healthy v1, broken v2 rolled back',
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          fast: { type: 'boolean' },
          'time-scale': { type: 'string' },
          'database-url': { type: 'string' },
          'registry-dir': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (err) {
      console.error(`eb-pipeline demo: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
      return 2;
    }
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const timeScale = Number(values['time-scale'] ?? '0.1');
    if (!(timeScale > 0 && timeScale <= 1)) {
      console.error(`eb-pipeline demo: --time-scale must be a number in (0, 1], got "${values['time-scale']}"`);
      return 2;
    }
    const databaseUrl = values['database-url'] ?? 'postgres://postgres@127.0.0.1:5432/django_eb_demo';
    if (!/^postgres(ql)?:\/\/[^/]+\/[A-Za-z_][A-Za-z0-9_]*$/.test(databaseUrl)) {
      console.error(`eb-pipeline demo: --database-url must look like postgres://USER@HOST:PORT/NAME, got "${databaseUrl}"`);
      return 2;
    }
    const print = (line: string): void => console.log(line);
    if (values.fast) return (await runDemo({ timeScale, databaseUrl, print })) ? 0 : 1;
    const registryDir = path.resolve(values['registry-dir'] ?? DEFAULT_REGISTRY_DIR);
    return (await runPipelineDemo({ timeScale, databaseUrl, registryDir, print })).held ? 0 : 1;
  },
};
