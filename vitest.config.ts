import { defineConfig } from 'vitest/config';

// Three projects, so the inner loop is fast:
//   unit         pure code and in-process servers: no child processes, no Django, no images (< 30 s)
//   slow         images, the demo and the dist/ rebuild (minutes)
//   integration  everything else: the emulator with real instances, the action entries, Django
// A new test file is an integration test unless it is listed below.
// `npm run test:unit` runs the first; `npm test` runs all three.
export const UNIT = [
  'test/engine/**/*.test.ts',
  'test/infra/**/*.test.ts',
  'test/lint/**/*.test.ts',
  'test/cli/commands.test.ts',
  'test/emulator/eb-units.test.ts',
  'test/emulator/iam-policy-eval.test.ts',
  'test/emulator/s3-objects.test.ts',
  'test/emulator/s3-multipart.test.ts',
  'test/emulator/s3-wire.test.ts',
  'test/emulator/xml.test.ts',
  'test/emulator/http-header.test.ts',
  'test/workflows/actionlint.test.ts',
  'test/workflows/docs.test.ts',
  'test/workflows/parser.test.ts',
  'test/workflows/references.test.ts',
  'test/workflows/security.test.ts',
  'test/django/dockerfiles-and-eb.test.ts',
];
export const SLOW = ['test/emulator/eb-large-bundle.test.ts', 'test/demo.test.ts', 'test/dist.test.ts', 'test/django/images.test.ts', 'test/build-images/**/*.test.ts', 'test/emulator/eb-docker-platform.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    // One temp dir per run; its teardown fails the run when a test leaves something of ours behind.
    globalSetup: ['test/global-temp-dir.ts'],
    // Integration tests start real processes (the emulator, its instances, nginx, uWSGI, podman):
    // generous timeouts, and a bounded number of files at once on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    server: { deps: { inline: ['@actions/workflow-parser', '@actions/expressions'] } },
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: [...UNIT, ...SLOW] } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
