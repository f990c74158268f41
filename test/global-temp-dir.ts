// Vitest global setup: every test run gets its own temp dir (TMPDIR, which os.tmpdir(), Python's
// tempfile, mktemp and podman all honour), and the run fails when a test leaves anything of ours
// in it: each test must remove the directories, files and sockets it makes.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Caches that tools keep in the temp dir on purpose (not ours to clean). */
const TOOL_CACHES = [/^tsx-\d+$/, /^node-compile-cache$/, /^vite-/, /^\.X11-unix$/, /^podman-run-/, /^containers-user-/, /^jiti$/];

export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => !TOOL_CACHES.some((cache) => cache.test(name)));
}

export default function setup(): () => void {
  const outer = tmpdir();
  const dir = mkdtempSync(path.join(outer, 'eb-pipeline-tests-'));
  process.env.TMPDIR = dir;
  return () => {
    process.env.TMPDIR = outer;
    const left = leftovers(dir);
    rmSync(dir, { recursive: true, force: true });
    if (left.length > 0) {
      throw new Error(`tests left ${left.length} entries in the temp dir: ${left.slice(0, 20).join(', ')}`);
    }
  };
}
