// Runs a built image's own stack without a container engine (`podman run` fails on this machine):
// the image's filesystem from `podman create` + `podman mount`, entered with chroot in fresh mount,
// network and pid namespaces, as the image's USER, with the image's environment and CMD. Root only.
import { spawn, type ChildProcess } from 'node:child_process';
import { run, runOk } from './processes.js';
import { podman, type ImageInfo } from './images.js';

export interface ImageStack {
  /** the `unshare` process: its network namespace is the stack's. */
  pid: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  container: string;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export async function startImageStack(image: ImageInfo, extraEnv: Record<string, string>): Promise<ImageStack> {
  const container = (await podman(['create', image.Id])).stdout.trim();
  const root = (await podman(['mount', container])).stdout.trim();
  const user = image.Config.User ?? 'root';
  const uid = (await runOk('chroot', [root, 'id', '-u', user])).stdout.trim();
  const gid = (await runOk('chroot', [root, 'id', '-g', user])).stdout.trim();
  const env = [...(image.Config.Env ?? []), ...Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`)];
  const cmd = (image.Config.Cmd ?? []).map(shellQuote).join(' ');
  // Docker's runtime hands the container's stdout/stderr to its user; a pipe created by that user
  // (`| cat`) does the same here, so supervisord can open /dev/stdout as uid ${uid}.
  const inner = `cd ${shellQuote(image.Config.WorkingDir ?? '/')} && ${cmd} 2>&1 | cat`;
  const script = [
    'set -e',
    `mount --bind /dev ${shellQuote(root)}/dev`,
    `mount -t proc proc ${shellQuote(root)}/proc`,
    'ip link set lo up',
    `exec chroot ${shellQuote(root)} setpriv --reuid=${uid} --regid=${gid} --clear-groups env -i ${env.map(shellQuote).join(' ')} sh -c ${shellQuote(inner)}`,
  ].join('\n');
  const child = spawn('unshare', ['--mount', '--net', '--pid', '--fork', '--kill-child', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  if (child.pid === undefined) throw new Error('unshare did not start');
  return { pid: child.pid, child, output: () => output, exited, container };
}

/** curl inside the stack's network namespace. */
export async function curlInside(stack: ImageStack, url: string): Promise<{ status: number; headers: string; body: string }> {
  const result = await run('nsenter', [`--net=/proc/${stack.pid}/ns/net`, 'curl', '-s', '-i', '--max-time', '5', url], { timeoutMs: 10_000 });
  const text = result.stdout.replaceAll('\r\n', '\n');
  const split = text.indexOf('\n\n');
  const headers = split >= 0 ? text.slice(0, split) : text;
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1] ?? 0);
  return { status, headers, body: split >= 0 ? text.slice(split + 2) : '' };
}

export async function removeImageStack(stack: ImageStack | undefined): Promise<void> {
  if (!stack) return;
  if (stack.child.exitCode === null) stack.child.kill('SIGKILL');
  await stack.exited;
  await run('podman', ['--cgroup-manager=cgroupfs', 'umount', stack.container]);
  await run('podman', ['--cgroup-manager=cgroupfs', 'rm', '-f', stack.container]);
}
