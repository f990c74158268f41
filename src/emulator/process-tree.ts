// Stopping everything an instance started. An instance's command runs in its own session (spawned
// detached); process managers inside it (supervisord) put their programs in process groups of their
// own, but those stay in the session — so the session, not the group, is what gets stopped.
import { readdirSync, readFileSync } from 'node:fs';
import { sleepMs } from './clock.js';

/** Live processes of session `sid`; zombies are dead already (waiting for init to reap them).
 * Undefined when /proc cannot be read. */
export function sessionMembers(sid: number): number[] | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const pid of pids) {
    try {
      // "pid (comm) state ppid pgrp session ...": comm may contain spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , , session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (session === String(sid) && state !== 'Z') members.push(Number(pid));
    } catch {
      // exited while we looked
    }
  }
  return members;
}

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

function alive(sid: number): number[] {
  const members = sessionMembers(sid);
  if (members) return members;
  try {
    process.kill(-sid, 0);
    return [-sid];
  } catch {
    return [];
  }
}

async function waitGone(sid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 25) {
    if (alive(sid).length === 0) return true;
    await sleepMs(25);
  }
  return alive(sid).length === 0;
}

/** SIGTERM to the session leader's group (process managers stop their programs gracefully), then
 * SIGKILL to every process left in the session after `graceMs`; resolves once none is left. */
export async function stopSession(sid: number, graceMs: number): Promise<void> {
  send(-sid, 'SIGTERM');
  if (await waitGone(sid, graceMs)) return;
  send(-sid, 'SIGKILL');
  for (const pid of alive(sid)) send(pid, 'SIGKILL');
  await waitGone(sid, 3000);
}
