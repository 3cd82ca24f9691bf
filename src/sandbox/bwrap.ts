/**
 * The bubblewrap sandbox in which everything that evaluates what a user or an upstream sent runs
 * (spec files and their macros, build scripts, autopatch scripts): the one place that turns a
 * sandbox description into a bwrap command line.
 *
 * What every sandbox gets, whatever the caller mounts:
 * - its own network (loopback only: nothing of the host or the outside reachable), PID, IPC, UTS
 *   and cgroup namespaces; `--die-with-parent` and its own PID namespace, so killing bwrap kills
 *   everything it started; `--new-session` (no terminal injection); no new privileges (setuid
 *   files and file capabilities do nothing);
 * - a root file system that is either the host's /usr read-only with only the /etc entries a shell
 *   and the rpm tools read (`root` unset), or a **build root** (`root`: a directory installed from
 *   the platform's repositories) as `/`, with nothing of the host's /usr;
 * - a private, empty /tmp; its own /proc and a minimal /dev; nothing else of the host (no data
 *   directory, no host /tmp);
 * - an unprivileged user (user.ts): when distforge runs as root, bwrap sets the sandbox up as root
 *   and the host's own `setpriv` (host /usr) or `chroot --userspec` (build root) then drops to the
 *   sandbox's uid and gid before anything of the sandbox runs; when distforge runs as another
 *   user, the sandbox runs as that user in its own user namespace;
 * - resource limits (limits.ts): address space, processes, open files, file size, CPU time;
 * - a cleared environment (only what the caller sets), its own host name.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { limitArgs, type SandboxLimits } from './limits.ts';
import type { SandboxUser } from './user.ts';

/** One directory (or file) of the host shown inside the sandbox. */
export interface SandboxMount {
  host: string;
  sandbox: string;
  writable: boolean;
}

export interface SandboxSpec {
  /**
   * A build root (host directory) to run in as `/`; unset: the host's /usr read-only. The root is
   * mounted writable (the caller gives a throw-away copy: an overlay over a cached root).
   */
  root?: string;
  mounts: SandboxMount[];
  /** The whole environment of the command. */
  env: Record<string, string>;
  /** Host name inside the sandbox. */
  hostname: string;
  /** Working directory inside the sandbox. */
  cwd: string;
  /** Who the command runs as: null when distforge itself is not root (it runs as distforge's user). */
  user: SandboxUser | null;
  limits: SandboxLimits;
  /** /etc/passwd and /etc/group naming the sandbox's user (identityFiles in user.ts), bound over the host's or the root's. */
  identity?: { passwd: string; group: string };
}

/** Where a build root is mounted in bwrap's own file system before the command enters it. */
export const ROOT_MOUNT = '/.distforge-root';

/** /etc entries the shell, rpm, rpmbuild and the toolchain read (bound read-only when present). */
const ETC_FILES = [
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/os-release',
  '/etc/rpm',
];

/** Top-level directories that merged-/usr hosts make links into /usr. */
const TOP_LEVEL = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** bwrap arguments for the host's top-level /bin, /lib … entries: the same links, or read-only binds. */
function topLevelArgs(): string[] {
  const out: string[] = [];
  for (const dir of TOP_LEVEL) {
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (st === undefined) continue;
    if (st.isSymbolicLink()) out.push('--symlink', readlinkSync(dir), dir);
    else if (st.isDirectory()) out.push('--ro-bind', dir, dir);
  }
  return out;
}

/** The host's /usr, its top-level links, and the /etc entries the tools read: what the host-/usr sandbox runs on. */
export function hostUsrArgs(): string[] {
  const args = ['--ro-bind', '/usr', '/usr', ...topLevelArgs(), '--perms', '0755', '--dir', '/etc'];
  for (const f of ETC_FILES) args.push('--ro-bind-try', f, f);
  return args;
}

/**
 * The namespaces: every one but the user namespace when bwrap runs as root (the command then drops
 * to the sandbox's user itself; a user namespace would map it back onto root), all of them otherwise.
 */
function namespaceArgs(user: SandboxUser | null): string[] {
  if (user === null) return ['--unshare-all'];
  return ['--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];
}

/**
 * `--dir` for every parent of a mount point (under `prefix`), readable by everyone: bwrap, as
 * root, would create them 0700, out of the sandbox user's reach.
 */
function parentDirArgs(mounts: readonly SandboxMount[], prefix: string): string[] {
  const dirs = new Set<string>();
  for (const m of mounts) {
    const parts = m.sandbox.split('/').filter((p) => p !== '');
    for (let i = 1; i < parts.length; i++) dirs.add(`${prefix}/${parts.slice(0, i).join('/')}`);
  }
  return [...dirs].sort().flatMap((d) => ['--perms', '0755', '--dir', d]);
}

/** Mounts under `prefix` (the sandbox's `/` as bwrap sees it). */
function mountArgs(spec: SandboxSpec, prefix: string): string[] {
  const args = ['--proc', `${prefix}/proc`, '--dev', `${prefix}/dev`, '--perms', '1777', '--tmpfs', `${prefix}/tmp`];
  if (spec.identity) args.push('--ro-bind', spec.identity.passwd, `${prefix}/etc/passwd`, '--ro-bind', spec.identity.group, `${prefix}/etc/group`);
  args.push(...parentDirArgs(spec.mounts, prefix));
  for (const m of spec.mounts) args.push(m.writable ? '--bind' : '--ro-bind', m.host, `${prefix}${m.sandbox}`);
  return args;
}

/** The command as the sandbox runs it: limits applied, then (as root) the drop to the sandbox's user. */
function wrappedCommand(spec: SandboxSpec, command: readonly string[]): string[] {
  const limits = ['prlimit', ...limitArgs(spec.limits), '--'];
  if (spec.user === null) return [...limits, ...command];
  const { uid, gid } = spec.user;
  if (spec.root === undefined) return [...limits, 'setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--', ...command];
  // The host's chroot enters the build root and drops to the sandbox's user before anything of
  // the root runs; the root's /bin/sh then sets the usual umask and moves to the working directory.
  return [...limits, 'chroot', `--userspec=${uid}:${gid}`, `--groups=${gid}`, ROOT_MOUNT, '/bin/sh', '-c', 'umask 022 && cd "$1" && shift && exec "$@"', 'sh', spec.cwd, ...command];
}

/** The full bwrap command line (without `bwrap` itself) that runs `command` in the sandbox. */
export function bwrapArgs(spec: SandboxSpec, command: readonly string[]): string[] {
  const args = [...namespaceArgs(spec.user), '--die-with-parent', '--new-session', '--hostname', spec.hostname];
  if (spec.root === undefined) {
    args.push(...hostUsrArgs(), ...mountArgs(spec, ''), '--remount-ro', '/', '--chdir', spec.cwd);
  } else if (spec.user === null) {
    // Not root: the sandbox is already unprivileged; the build root is bwrap's own `/`.
    args.push('--bind', spec.root, '/', ...mountArgs(spec, ''), '--chdir', spec.cwd);
  } else {
    args.push(...hostUsrArgs(), '--bind', spec.root, ROOT_MOUNT, ...mountArgs(spec, ROOT_MOUNT), '--remount-ro', '/');
  }
  args.push('--clearenv');
  for (const [k, v] of Object.entries(spec.env)) args.push('--setenv', k, v);
  args.push('--', ...wrappedCommand(spec, command));
  return args;
}
