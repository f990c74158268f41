import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Integration tests start real processes (the emulator, its instances, nginx, uWSGI, podman):
    // generous timeouts, and a bounded number of files at once on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    server: { deps: { inline: ['@actions/workflow-parser', '@actions/expressions'] } },
  },
});
