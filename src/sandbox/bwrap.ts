/**
 * The bubblewrap sandbox in which everything that evaluates what a user or an upstream sent runs
 * (spec files and their macros, build scripts, autopatch scripts): the one place that turns a
 * sandbox description into a bwrap command line.
 *
 * What every sandbox gets, whatever the caller mounts:
 * - its own network (loopback only: nothing of the host or the outside reachable), PID, IPC, UTS
 *   and cgroup namespaces; `--die-with-parent` and its own PID namespace, so killing bwrap kills
 *   everything it started; `--new-session` (no terminal injection);
 * - the host's /usr read-only, the top-level /bin, /lib … links (or read-only binds), and only the
 *   /etc entries a shell and the rpm tools read; a private, empty /tmp; its own /proc and a minimal
 *   /dev; the root itself read-only; nothing else of the host (no data directory, no host /tmp);
 * - an unprivileged user (user.ts): when distforge runs as root, bwrap sets the sandbox up as root
 *   and the command then drops to the sandbox's uid and gid with `setpriv` (no capabilities, none
 *   inheritable, an empty bounding set, no new privileges); when distforge runs as another user,
 *   the sandbox runs as that user in its own user namespace;
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
  /** /etc/passwd and /etc/group naming the sandbox's user (identityFiles in user.ts), bound over the host's. */
  identity?: { passwd: string; group: string };
}

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

/** bwrap arguments for the top-level /bin, /lib … entries: the same links, or read-only binds. */
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

/**
 * The namespaces: every one but the user namespace when bwrap runs as root (the command then drops
 * to the sandbox's user itself; a user namespace would map it back onto root), all of them otherwise.
 */
function namespaceArgs(user: SandboxUser | null): string[] {
  if (user === null) return ['--unshare-all'];
  return ['--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];
}

/** The command as the sandbox runs it: limits applied, then (as root) the drop to the sandbox's user. */
function wrappedCommand(spec: SandboxSpec, command: readonly string[]): string[] {
  const drop = spec.user === null ? [] : ['setpriv', `--reuid=${spec.user.uid}`, `--regid=${spec.user.gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--'];
  return ['prlimit', ...limitArgs(spec.limits), '--', ...drop, ...command];
}

/**
 * `--dir` for /etc and every parent of a mount point, readable by everyone: bwrap, as root, would
 * create them 0700, out of the sandbox user's reach.
 */
function parentDirArgs(mounts: readonly SandboxMount[]): string[] {
  const dirs = new Set<string>(['/etc']);
  for (const m of mounts) {
    const parts = m.sandbox.split('/').filter((p) => p !== '');
    for (let i = 1; i < parts.length; i++) dirs.add(`/${parts.slice(0, i).join('/')}`);
  }
  return [...dirs].sort().flatMap((d) => ['--perms', '0755', '--dir', d]);
}

/** The full bwrap command line (without `bwrap` itself) that runs `command` in the sandbox. */
export function bwrapArgs(spec: SandboxSpec, command: readonly string[]): string[] {
  const args = [...namespaceArgs(spec.user), '--die-with-parent', '--new-session', '--hostname', spec.hostname, '--ro-bind', '/usr', '/usr', ...topLevelArgs(), ...parentDirArgs(spec.mounts)];
  for (const f of ETC_FILES) args.push('--ro-bind-try', f, f);
  if (spec.identity) args.push('--ro-bind', spec.identity.passwd, '/etc/passwd', '--ro-bind', spec.identity.group, '/etc/group');
  args.push('--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--tmpfs', '/tmp');
  for (const m of spec.mounts) args.push(m.writable ? '--bind' : '--ro-bind', m.host, m.sandbox);
  args.push('--remount-ro', '/', '--chdir', spec.cwd, '--clearenv');
  for (const [k, v] of Object.entries(spec.env)) args.push('--setenv', k, v);
  args.push('--', ...wrappedCommand(spec, command));
  return args;
}
