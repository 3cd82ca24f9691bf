/**
 * The bubblewrap sandbox every build command runs in:
 *
 * - `--unshare-all`: own network (loopback only: no way out), PID, IPC, UTS and user namespaces;
 *   `--die-with-parent` and its own PID namespace, so killing bwrap kills the build.
 * - the host's /usr read-only, the top-level /bin, /lib … links (or read-only binds on a host
 *   without merged /usr), and only the /etc files rpmbuild and the compiler need, read-only.
 * - a private, empty /tmp; /proc and a minimal /dev; the root itself read-only.
 * - the task's build root: the directories the caller mounts (the rpmbuild top dir writable, the
 *   inputs and the build-dependency sysroot read-only).
 * - a cleared environment (only what the caller sets), its own host name.
 *
 * Nothing else of the host is visible, so the build cannot write outside its build root.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { runLogged, type RunOptions, type RunResult } from './run.ts';

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
  /** Host name inside the sandbox (the `_buildhost`). */
  hostname: string;
  /** Working directory inside the sandbox. */
  cwd: string;
}

/** /etc entries rpmbuild, the shell and the toolchain read (bound read-only when present). */
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

/** The full bwrap command line (without `bwrap` itself) that runs `command` in the sandbox. */
export function bwrapArgs(spec: SandboxSpec, command: readonly string[]): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--hostname', spec.hostname, '--ro-bind', '/usr', '/usr', ...topLevelArgs()];
  for (const f of ETC_FILES) args.push('--ro-bind-try', f, f);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  for (const m of spec.mounts) args.push(m.writable ? '--bind' : '--ro-bind', m.host, m.sandbox);
  args.push('--remount-ro', '/', '--chdir', spec.cwd, '--clearenv');
  for (const [k, v] of Object.entries(spec.env)) args.push('--setenv', k, v);
  args.push('--', ...command);
  return args;
}

/** Runs `command` in the sandbox, logging its output (see run.ts). */
export function runInSandbox(spec: SandboxSpec, command: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runLogged('bwrap', bwrapArgs(spec, command), options);
}

/** The environment of a build: a fixed PATH and locale, HOME in the build root. */
export function baseEnv(home: string): Record<string, string> {
  return {
    PATH: '/usr/bin:/usr/sbin:/bin:/sbin',
    HOME: home,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    SHELL: '/bin/bash',
    TMPDIR: '/tmp',
  };
}
