// One container of the emulator's Docker platform, started without a container engine (`podman run`
// fails on these machines): `unshare` gives it fresh mount, network and pid namespaces; its root is
// an overlay of the image's flattened filesystem (read-only, shared) and a writable layer of its
// own, mounted inside its mount namespace so nothing outlives it; it runs as the image's USER with
// the image's Env, WorkingDir and Entrypoint/Cmd, plus the environment properties.
//
// Networking touches only loopback: each container has its own network namespace with just `lo`.
// The instance's port on the host's loopback reaches ContainerPort inside through a Unix socket
// (socat inside listens on it; the emulator forwards the host port to it), and the host services the
// environment properties name (127.0.0.1:PORT or localhost:PORT, e.g. PostgreSQL in DATABASE_URL,
// standing in for RDS in the VPC) are reachable inside on the same loopback port the same way.
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ImageConfig } from './image-cache.js';

export interface ContainerLaunch {
  /** The image ID (docker ps shows its first 12 characters). */
  imageId: string;
  rootfs: string;
  config: ImageConfig;
  /** Environment properties and the like: they win over the image's Env, as `docker run -e` does. */
  env: Record<string, string>;
  containerPort: number;
  /** Host directories bind-mounted into the container (Dockerrun Volumes, Logging). */
  mounts: { source: string; target: string }[];
  /** Host loopback ports reachable inside the container on the same port. */
  egressPorts: number[];
}

export const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/** Host loopback ports named by environment property values (postgres://u@127.0.0.1:5432/db, http://localhost:9000). */
export function loopbackPorts(env: Record<string, string>): number[] {
  const ports = new Set<number>();
  for (const value of Object.values(env)) {
    for (const m of value.matchAll(/(?:^|[/@\s,=])(?:127\.0\.0\.1|localhost):(\d{1,5})(?![\d])/g)) {
      const port = Number(m[1]);
      if (port > 0 && port < 65536) ports.add(port);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** The container's environment: the image's, then `env` on top. */
export function containerEnv(config: ImageConfig, env: Record<string, string>): string[] {
  const merged = new Map<string, string>();
  for (const entry of config.Env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) merged.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(env)) merged.set(k, v);
  return [...merged].map(([k, v]) => `${k}=${v}`);
}

/** `sh` lines that set $uid and $gid from the image's USER (name, uid, or user:group). */
function userLines(root: string, user: string | undefined): string[] {
  const [name = 'root', group] = (user || 'root').split(':');
  return [
    `case ${quote(name)} in ''|*[!0-9]*) uid=$(chroot ${quote(root)} id -u ${quote(name)}); gid=$(chroot ${quote(root)} id -g ${quote(name)});; *) uid=${quote(name)}; gid=${quote(name)};; esac`,
    ...(group ? [`case ${quote(group)} in ''|*[!0-9]*) gid=$(chroot ${quote(root)} getent group ${quote(group)} | cut -d: -f3);; *) gid=${quote(group)};; esac`] : []),
  ];
}

export interface ContainerPaths {
  /** Per-container directory: writable layer, overlay work dir, the mounted root. */
  dir: string;
  /** Where the forwarding sockets are: `dir`, or a short directory of its own when `dir` is too long for a socket path. */
  socketDir: string;
  merged: string;
  ingressSocket: string;
  egressSocket: (port: number) => string;
  /** Written once the namespaces and mounts are set up, before the image's command starts. */
  readyFile: string;
}

/** Unix socket paths are limited to 107 bytes (sun_path). */
export const socketPathFits = (dir: string): boolean => Buffer.byteLength(path.join(dir, 'out-65535.sock')) <= 107;

export function containerPaths(dir: string, socketDir = dir): ContainerPaths {
  return {
    dir,
    socketDir,
    merged: path.join(dir, 'root'),
    ingressSocket: path.join(socketDir, 'in.sock'),
    egressSocket: (port) => path.join(socketDir, `out-${port}.sock`),
    readyFile: path.join(dir, 'ready'),
  };
}

/**
 * The script `unshare --mount --net --pid --fork --kill-child sh SCRIPT` runs: pid 1 of the new pid
 * namespace, in the new mount and network namespaces, still seeing the host's files until it
 * chroots. When the image's command ends, pid 1 ends and the kernel kills everything left in the
 * namespace (socat included); the overlay and bind mounts go with the mount namespace.
 */
export function containerScript(spec: ContainerLaunch, p: ContainerPaths): string {
  const root = p.merged;
  const command = [...(spec.config.Entrypoint ?? []), ...(spec.config.Cmd ?? [])];
  if (command.length === 0) throw new Error(`image ${spec.imageId.slice(0, 12)} has neither Entrypoint nor Cmd`);
  const workdir = spec.config.WorkingDir || '/';
  // Docker hands the container's stdout/stderr to its user; a pipe the user creates (`| cat`) does
  // the same here, so a process manager can open /dev/stdout as that user.
  const inner = `cd ${quote(workdir)} && ${command.map(quote).join(' ')} 2>&1 | cat`;
  const env = containerEnv(spec.config, spec.env);
  return [
    'set -eu',
    `mkdir -p ${quote(path.join(p.dir, 'upper'))} ${quote(path.join(p.dir, 'work'))} ${quote(root)}`,
    `mount -t overlay overlay -o ${quote(`lowerdir=${spec.rootfs},upperdir=${path.join(p.dir, 'upper')},workdir=${path.join(p.dir, 'work')}`)} ${quote(root)}`,
    `mount --bind /dev ${quote(`${root}/dev`)}`,
    `mount -t proc proc ${quote(`${root}/proc`)}`,
    ...spec.mounts.flatMap((m) => [`mkdir -p ${quote(root + m.target)}`, `mount --bind ${quote(m.source)} ${quote(root + m.target)}`]),
    'ip link set lo up',
    `socat UNIX-LISTEN:${p.ingressSocket},fork,unlink-early TCP:127.0.0.1:${spec.containerPort} &`,
    ...spec.egressPorts.map((port) => `socat TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${p.egressSocket(port)} &`),
    ...userLines(root, spec.config.User),
    `touch ${quote(p.readyFile)}`,
    `exec chroot ${quote(root)} setpriv --reuid="$uid" --regid="$gid" --clear-groups env -i ${env.map(quote).join(' ')} sh -c ${quote(inner)}`,
    '',
  ].join('\n');
}

/** The pid (host view) of the container's pid 1: unshare's one child. */
export function containerInitPid(unsharePid: number): number | undefined {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
      if (ppid === String(unsharePid)) return Number(pid);
    } catch {
      // exited while we looked
    }
  }
  return undefined;
}

/** The host-side ends of the container's loopback bridges; close() ends them. */
export class Bridges {
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();

  private pipe(client: net.Socket, connect: () => net.Socket): void {
    const upstream = connect();
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }

  private async listen(server: net.Server, at: { port: number; host: string } | string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (typeof at === 'string') server.listen(at, () => resolve());
      else server.listen(at.port, at.host, () => resolve());
    });
    this.servers.push(server);
  }

  /** host:port → the container's ingress socket (its ContainerPort). */
  ingress(host: string, port: number, socketPath: string): Promise<void> {
    return this.listen(net.createServer((c) => this.pipe(c, () => net.connect(socketPath))), { port, host });
  }

  /** The container's egress socket → the host's 127.0.0.1:port. */
  egress(socketPath: string, port: number): Promise<void> {
    return this.listen(net.createServer((c) => this.pipe(c, () => net.connect(port, '127.0.0.1'))), socketPath);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers.length = 0;
  }
}

/**
 * The `docker` command platform hooks find on PATH: `docker ps` lists this instance's one running
 * container and `docker exec CONTAINER CMD...` runs CMD in it (its namespaces and root, as the
 * image's USER, with the container's environment, in WorkingDir), which is what EB's
 * documented hook pattern for AL2023 Docker uses. Anything else says it is not emulated.
 */
export function dockerShim(containerId: string, initPid: number, spec: ContainerLaunch, merged: string): string {
  const env = containerEnv(spec.config, spec.env);
  const [name = 'root'] = (spec.config.User || 'root').split(':');
  return [
    '#!/bin/sh',
    '# docker stand-in written by the EB emulator for platform hooks: ps and exec of this instance\'s container.',
    'set -eu',
    'cmd=${1:-}; [ $# -gt 0 ] && shift',
    'case "$cmd" in',
    `  ps) case " $* " in *" -q "*|*" --quiet "*) echo ${containerId.slice(0, 12)} ;; *) echo "CONTAINER ID   IMAGE          STATUS"; echo "${containerId.slice(0, 12)}   ${spec.imageId.slice(0, 12)}   Up" ;; esac ;;`,
    '  exec)',
    '    while [ $# -gt 0 ]; do case "$1" in -i|-t|-it|-ti|--interactive|--tty) shift ;; -*) echo "docker exec: option $1 is not emulated" >&2; exit 125 ;; *) break ;; esac; done',
    `    case "\${1:-}" in ${containerId.slice(0, 12)}|${containerId}) shift ;; *) echo "Error response from daemon: No such container: \${1:-}" >&2; exit 1 ;; esac`,
    `    in_root() { nsenter -t ${initPid} -m chroot ${quote(merged)} "$@"; }`,
    `    case ${quote(name)} in ''|*[!0-9]*) uid=$(in_root id -u ${quote(name)}); gid=$(in_root id -g ${quote(name)});; *) uid=${quote(name)}; gid=${quote(name)};; esac`,
    `    exec nsenter -t ${initPid} -m -n -p chroot ${quote(merged)} setpriv --reuid="$uid" --regid="$gid" --clear-groups env -i ${env.map(quote).join(' ')} sh -c ${quote(`cd ${quote(spec.config.WorkingDir || '/')} && exec "$@"`)} sh "$@" ;;`,
    '  *) echo "docker $cmd: not emulated (the EB emulator\'s docker offers ps and exec for platform hooks)" >&2; exit 1 ;;',
    'esac',
    '',
  ].join('\n');
}
