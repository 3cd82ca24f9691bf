/**
 * The layout of one task's work dir and how it appears inside the sandbox:
 *
 * | on the host        | in the sandbox  | access     | holds |
 * |--------------------|-----------------|------------|-------|
 * | WORK/top           | /build/top      | read-write | rpmbuild's top dir (SPECS, SOURCES, BUILD, BUILDROOT, RPMS, SRPMS, tmp) |
 * | WORK/rpmdb         | /build/rpmdb    | read-write | the private rpmdb: host provides + build dependencies |
 * | WORK/input         | /build/input    | read-only  | the checkout (SRPM builds) or the SRPM (binary builds) |
 * | WORK/deps          | /build/deps     | read-only  | the host-provides package and the build-dependency RPMs |
 * | WORK/sysroot       | /sysroot        | read-only  | the build dependencies' files, unpacked |
 * | WORK/identity      | /etc/passwd, /etc/group | read-only | the sandbox user's account (`builder`) |
 * | WORK/build.log     | (not visible)   |            | the task's log |
 *
 * Commands run as the unprivileged sandbox user (src/sandbox/user.ts) when the node is root.
 *
 * The compiler finds the sysroot through CPATH, LIBRARY_PATH and friends (Debian's gcc does not
 * search /usr/lib64, and /usr itself is the host's, read-only).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_LIMITS, identityFiles, sandboxUser, type SandboxLimits } from '../../sandbox/index.ts';
import { baseEnv, type SandboxMount, type SandboxSpec } from '../sandbox.ts';

/** Paths inside the sandbox. */
export const IN_SANDBOX = {
  root: '/build',
  top: '/build/top',
  rpmdb: '/build/rpmdb',
  input: '/build/input',
  deps: '/build/deps',
  sysroot: '/sysroot',
} as const;

const TOP_DIRS = ['SPECS', 'SOURCES', 'BUILD', 'BUILDROOT', 'RPMS', 'SRPMS', 'tmp'];

export interface BuildRoot {
  workDir: string;
  top: string;
  rpmdb: string;
  input: string;
  deps: string;
  sysroot: string;
  /** Where downloads land before they are checked (never mounted). */
  downloads: string;
  logPath: string;
  /** passwd and group files naming the sandbox's user. */
  identity: { passwd: string; group: string };
}

/** Creates the directories of a task's build root under `workDir`. */
export function createBuildRoot(workDir: string, input?: string): BuildRoot {
  const root: BuildRoot = {
    workDir,
    top: join(workDir, 'top'),
    rpmdb: join(workDir, 'rpmdb'),
    input: input ?? join(workDir, 'input'),
    deps: join(workDir, 'deps'),
    sysroot: join(workDir, 'sysroot'),
    downloads: join(workDir, 'downloads'),
    logPath: join(workDir, 'build.log'),
    identity: { passwd: '', group: '' },
  };
  for (const d of TOP_DIRS) mkdirSync(join(root.top, d), { recursive: true });
  for (const d of [root.rpmdb, root.input, root.deps, root.sysroot, root.downloads]) mkdirSync(d, { recursive: true });
  const identity = join(workDir, 'identity');
  mkdirSync(identity, { recursive: true });
  root.identity = identityFiles(identity, sandboxUser(), IN_SANDBOX.top);
  return root;
}

/** The environment that lets the host compiler and tools find the build dependencies' files. */
function sysrootEnv(root: BuildRoot): Record<string, string> {
  const s = IN_SANDBOX.sysroot;
  const has = (p: string): boolean => existsSync(join(root.sysroot, p));
  const env: Record<string, string> = {};
  const libs = ['usr/lib64', 'usr/lib', 'lib64', 'lib'].filter(has).map((p) => `${s}/${p}`);
  if (has('usr/include')) env.CPATH = `${s}/usr/include`;
  if (libs.length > 0) {
    env.LIBRARY_PATH = libs.join(':');
    env.LD_LIBRARY_PATH = libs.join(':');
  }
  const pc = ['usr/lib64/pkgconfig', 'usr/lib/pkgconfig', 'usr/share/pkgconfig'].filter(has).map((p) => `${s}/${p}`);
  if (pc.length > 0) env.PKG_CONFIG_PATH = pc.join(':');
  const bins = ['usr/bin', 'usr/sbin'].filter(has).map((p) => `${s}/${p}`);
  if (bins.length > 0) env.PATH = `${bins.join(':')}:${baseEnv(IN_SANDBOX.root).PATH ?? ''}`;
  return env;
}

/** The sandbox of a command run in this build root, named `hostname` inside (build limits unless told). */
export function sandboxFor(root: BuildRoot, hostname: string, limits: SandboxLimits = BUILD_LIMITS): SandboxSpec {
  const mounts: SandboxMount[] = [
    { host: root.top, sandbox: IN_SANDBOX.top, writable: true },
    { host: root.rpmdb, sandbox: IN_SANDBOX.rpmdb, writable: true },
    { host: root.input, sandbox: IN_SANDBOX.input, writable: false },
    { host: root.deps, sandbox: IN_SANDBOX.deps, writable: false },
    { host: root.sysroot, sandbox: IN_SANDBOX.sysroot, writable: false },
  ];
  return { mounts, env: { ...baseEnv(IN_SANDBOX.top), ...sysrootEnv(root) }, hostname, cwd: IN_SANDBOX.top, user: sandboxUser(), limits, identity: root.identity };
}
