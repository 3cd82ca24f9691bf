/**
 * Installing packages into a build root with dnf, in two sandboxed halves, because packages from
 * a build's own repository come from people we do not trust and their scriptlets run as root:
 *
 * 1. **resolve** (dnf-resolve-script.ts, dnf's Python API): dnf works out the transaction against
 *    the root's rpmdb and the repositories, checks signatures where a repository asks for it, and
 *    downloads into the shared package cache (per platform and arch). It has the network and the
 *    cache, but runs nothing of any package.
 * 2. **install**: `dnf install` of exactly those files into the root. Scriptlets run here, so it
 *    has no network, sees the files read-only and the root writable, and nothing else of the host.
 *
 * Both run in bubblewrap as root (rpm must chown, chroot for scriptlets and set file capabilities)
 * but with only the capabilities that needs: no CAP_SYS_ADMIN (no mounts), no CAP_MKNOD, no
 * CAP_SYS_PTRACE, CAP_NET_* or module loading; own PID, IPC and UTS namespaces; the host's /usr
 * read-only (dnf itself), a private /tmp and HOME.
 */
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostUsrArgs } from '../../sandbox/index.ts';
import { runLogged, type RunOptions, type RunResult } from '../run.ts';
import { DNF_RESOLVE_SCRIPT } from './dnf-resolve-script.ts';

/** One repository a root is installed from. */
export interface DnfRepo {
  id: string;
  /** http(s):// or file:// URL of the repository root, `$basearch` already substituted. */
  url: string;
  gpgcheck: boolean;
  /** URL of the public key when gpgcheck is on. */
  gpgkey?: string;
}

/** A package of a resolved transaction. */
export interface ResolvedPackage {
  nevra: string;
  repo: string;
  /** Where the file is (the shared cache, or a file:// repository). */
  path: string;
  checksum: { type: string | null; value: string | null };
}

export type Resolution = { ok: true; packages: ResolvedPackage[] } | { ok: false; missing: string[]; problems: string[] };

/** Capabilities rpm needs to install into a root, and no more. */
const INSTALL_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_SETUID', 'CAP_SETGID', 'CAP_SYS_CHROOT', 'CAP_SETFCAP', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

/** /etc entries dnf needs beyond the tools' ones: name resolution and CA certificates. */
const DNF_ETC = ['/etc/resolv.conf', '/etc/hosts', '/etc/ssl', '/etc/pki', '/etc/ca-certificates', '/etc/crypto-policies'];

/** Where the root is mounted inside dnf's sandbox. */
const INSTALLROOT = '/installroot';

export interface DnfSandbox {
  /** The root (host path). */
  root: string;
  /** A directory of the task's own (HOME, configuration, request files). */
  work: string;
  network: boolean;
  /** More host directories, each at the same path inside (read-only unless writable). */
  binds: { path: string; writable: boolean }[];
}

/** The interpreter of the host's dnf (its #! line): the one whose Python has dnf's modules. */
export function dnfPython(): string {
  const first = readFileSync('/usr/bin/dnf', 'utf8').split('\n', 1)[0] ?? '';
  return first.startsWith('#!') ? (first.slice(2).trim().split(/\s+/)[0] ?? '/usr/bin/python3') : '/usr/bin/python3';
}

function bwrapForDnf(s: DnfSandbox, command: readonly string[]): string[] {
  const home = join(s.work, 'dnf-home');
  mkdirSync(home, { recursive: true });
  // Debian's rpm keeps a root's rpmdb under ROOT/root/.rpmdb unless told (TOOLCHAIN.md).
  writeFileSync(join(home, '.rpmmacros'), '%_dbpath /var/lib/rpm\n');
  const args = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', ...(s.network ? [] : ['--unshare-net']), '--die-with-parent', '--new-session'];
  args.push(...hostUsrArgs());
  for (const f of DNF_ETC) args.push('--ro-bind-try', f, f);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--bind', s.root, INSTALLROOT, '--ro-bind', home, '/tmp/dnf-home');
  // Scriptlets expect /dev and /proc in the root too.
  args.push('--dev', `${INSTALLROOT}/dev`, '--proc', `${INSTALLROOT}/proc`);
  for (const b of s.binds) {
    if (lstatSync(b.path, { throwIfNoEntry: false }) === undefined) continue;
    args.push(b.writable ? '--bind' : '--ro-bind', b.path, b.path);
  }
  args.push('--cap-drop', 'ALL', ...INSTALL_CAPS.flatMap((c) => ['--cap-add', c]));
  args.push('--clearenv', '--setenv', 'HOME', '/tmp/dnf-home', '--setenv', 'PATH', '/usr/bin:/usr/sbin:/bin:/sbin', '--setenv', 'LC_ALL', 'C.UTF-8', '--chdir', '/');
  // What dnf and ldconfig make in the root is for everyone to read, whatever the node's umask.
  return [...args, '--', '/bin/sh', '-c', 'umask 022 && exec "$@"', 'sh', ...command];
}

export interface ResolveRequest {
  /** What to install: package names, `@group`s, dependency strings (`pkgconfig(zlib)`, `foo >= 1`, `(a or b)`). */
  specs: string[];
  repos: DnfRepo[];
  /** The shared package cache (host path, writable). */
  cacheDir: string;
  releasever: string;
  basearch: string;
  /** Host directories to show read-only (those of `file:` specs). */
  readable?: readonly string[];
}

/**
 * dnf resolves `specs` into the root and downloads the packages (the root is only read; with
 * gpgcheck, the keys are imported into its rpmdb).
 * @returns the transaction, or what is missing and dnf's problems
 */
export async function resolveForRoot(s: Omit<DnfSandbox, 'network' | 'binds'>, req: ResolveRequest, run: RunOptions): Promise<Resolution> {
  mkdirSync(req.cacheDir, { recursive: true });
  const requestFile = join(s.work, 'dnf-request.json');
  const scriptFile = join(s.work, 'dnf-resolve.py');
  writeFileSync(scriptFile, DNF_RESOLVE_SCRIPT);
  writeFileSync(requestFile, JSON.stringify({ installroot: INSTALLROOT, cachedir: req.cacheDir, releasever: req.releasever, basearch: req.basearch, repos: req.repos, specs: req.specs, strict: true }));
  const fileRepos = req.repos.filter((r) => r.url.startsWith('file://')).map((r) => ({ path: decodeURIComponent(new URL(r.url).pathname), writable: false }));
  const binds = [{ path: req.cacheDir, writable: true }, { path: s.work, writable: false }, ...fileRepos, ...(req.readable ?? []).map((path) => ({ path, writable: false }))];
  const r = await runLogged('bwrap', bwrapForDnf({ ...s, network: true, binds }, [dnfPython(), scriptFile, requestFile]), { ...run, onOutput: undefined, logPath: undefined });
  const line = r.output.split('\n').reverse().find((l) => l.startsWith('{"ok"'));
  if (line === undefined) return { ok: false, missing: [], problems: [`dnf could not resolve (exit ${String(r.code ?? r.signal)}): ${r.output.trim().split('\n').slice(-3).join(' / ')}`] };
  return JSON.parse(line) as Resolution;
}

/**
 * `dnf install` of these package files into the root, without network (scriptlets run here).
 * `readable` are the directories holding the files (mounted read-only).
 */
export function installIntoRoot(s: Omit<DnfSandbox, 'network' | 'binds'>, files: readonly string[], readable: readonly string[], releasever: string, run: RunOptions): Promise<RunResult> {
  const conf = join(s.work, 'dnf.conf');
  writeFileSync(conf, '[main]\nreposdir=/dev/null\ninstall_weak_deps=False\ngpgcheck=0\nlocalpkg_gpgcheck=0\nkeepcache=False\nlogdir=/tmp\n');
  const binds = [{ path: s.work, writable: false }, ...readable.map((path) => ({ path, writable: false }))];
  const command = ['dnf', '-c', conf, '--disableplugin=*', `--installroot=${INSTALLROOT}`, `--releasever=${releasever}`, '--setopt=cachedir=/var/cache/dnf', '-y', 'install', ...files];
  return runLogged('bwrap', bwrapForDnf({ ...s, network: false, binds }, command), run);
}

/**
 * `rpm -e` of a package in the root, in the same sandbox as installs (its %preun and %postun run
 * there, without network).
 */
export function eraseFromRoot(s: Omit<DnfSandbox, 'network' | 'binds'>, name: string, run: RunOptions): Promise<RunResult> {
  return runLogged('bwrap', bwrapForDnf({ ...s, network: false, binds: [] }, ['rpm', '--root', INSTALLROOT, '--dbpath', '/var/lib/rpm', '-e', name]), run);
}

/**
 * `rpm ARGS` reading the root's rpmdb (queries, `-V`), in the install sandbox: the rpmdb was
 * written where packages' scriptlets ran as root, so the host's rpm reads it only there.
 */
export function queryRoot(s: Omit<DnfSandbox, 'network' | 'binds'>, args: readonly string[], run: RunOptions = {}): Promise<RunResult> {
  return runLogged('bwrap', bwrapForDnf({ ...s, network: false, binds: [] }, ['rpm', '--root', INSTALLROOT, '--dbpath', '/var/lib/rpm', ...args]), run);
}
