/**
 * The four stages of testing one built binary package, each in the package's own fresh root:
 * 1. install: real dnf installs the package file, resolving its dependencies from the task's
 *    repositories (the build's own repository, then the platform's), into an empty root;
 * 2. integrity: `rpm -V` in that root (every file present with its digest, mode, owner);
 * 3. tests: the source's test scripts run inside a bubblewrap sandbox rooted in that root (no
 *    network, a private /tmp, a time limit); exit status and TAP lines (`ok N`/`not ok N`) count;
 * 4. uninstall: `rpm -e`, then nothing of the package may be left but its config files.
 *
 * Each stage yields its state and its log. dnf and rpm run as TOOLCHAIN.md shows: a private HOME
 * whose .rpmmacros puts the rpmdb at ROOT/var/lib/rpm, a private dnf.conf, no host repositories.
 */
import { lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPackageSync } from '../rpm/index.ts';
import { runLogged, type RunResult } from './run.ts';

export type StageState = 'passed' | 'failed' | 'skipped';

export interface StageResult {
  name: 'install' | 'integrity' | 'tests' | 'uninstall';
  state: StageState;
  /** One line: why it failed, or what passed. */
  detail: string;
  log: string;
}

/** RPMFILE_CONFIG and RPMFILE_GHOST in FILEFLAGS. */
const CONFIG = 1;
const GHOST = 1 << 6;

export interface RootEnv {
  root: string;
  home: string;
  conf: string;
  signal: AbortSignal;
}

/** A fresh, empty root with its private HOME and dnf.conf. */
export function freshRoot(dir: string, signal: AbortSignal): RootEnv {
  rmSync(dir, { recursive: true, force: true });
  const root = join(dir, 'root');
  const home = join(dir, 'home');
  mkdirSync(root, { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.rpmmacros'), '%_dbpath /var/lib/rpm\n');
  const conf = join(dir, 'dnf.conf');
  // The build's packages are tested before they are signed: no signature checks here.
  writeFileSync(conf, '[main]\nreposdir=/dev/null\ninstall_weak_deps=False\ngpgcheck=0\nrepo_gpgcheck=0\nkeepcache=False\n');
  return { root, home, conf, signal };
}

function run(env: RootEnv, cmd: string, args: string[]): Promise<RunResult> {
  return runLogged(cmd, args, { env: { ...process.env, HOME: env.home, LC_ALL: 'C' }, signal: env.signal });
}

function tail(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').slice(-1)[0] ?? '';
}

export async function installStage(env: RootEnv, rpmPath: string, repositories: readonly string[]): Promise<StageResult> {
  const repos = repositories.flatMap((url, i) => [`--repofrompath=r${i},${url}`]);
  const r = await run(env, 'dnf', [
    '-c', env.conf, '--disableplugin=local,generate_completion_cache', `--installroot=${env.root}`, '--releasever=9', '-y', ...repos, 'install', rpmPath,
  ]);
  return r.code === 0
    ? { name: 'install', state: 'passed', detail: 'installed with its dependencies', log: r.output }
    : { name: 'install', state: 'failed', detail: tail(r.output) || `dnf exited with ${r.code}`, log: r.output };
}

export async function integrityStage(env: RootEnv, name: string): Promise<StageResult> {
  const r = await run(env, 'rpm', ['--root', env.root, '-V', name]);
  return r.code === 0
    ? { name: 'integrity', state: 'passed', detail: 'rpm -V: every file as packaged', log: r.output }
    : { name: 'integrity', state: 'failed', detail: `rpm -V: ${tail(r.output) || `exit ${r.code}`}`, log: r.output };
}

/** TAP lines of `output`: how many ran and which failed (`not ok N - name`). */
export function readTap(output: string): { ran: number; failed: string[] } {
  let ran = 0;
  const failed: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^(not )?ok\b(.*)$/.exec(line.trim());
    if (!m) continue;
    ran++;
    if (m[1] && !/#\s*(TODO|SKIP)/i.test(m[2] ?? '')) failed.push(line.trim());
  }
  return { ran, failed };
}

/** Runs every test script of `testsDir` inside the root (sorted; a missing or empty dir: skipped). */
export async function testsStage(env: RootEnv, testsDir: string | null, timeoutSeconds: number): Promise<StageResult> {
  const scripts = testsDir === null ? [] : readdirSync(testsDir).filter((f) => lstatSync(join(testsDir, f)).isFile()).sort();
  if (testsDir === null || scripts.length === 0) return { name: 'tests', state: 'skipped', detail: 'no test scripts', log: '' };
  let log = '';
  const problems: string[] = [];
  for (const script of scripts) {
    const limit = new AbortController();
    const timer = setTimeout(() => limit.abort(new Error('time limit')), timeoutSeconds * 1000);
    let r: RunResult | null = null;
    try {
      r = await runLogged(
        'bwrap',
        [
          '--bind', env.root, '/', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp',
          '--ro-bind', testsDir, '/run/distforge-tests',
          '--unshare-all', '--die-with-parent', '--new-session', '--chdir', '/tmp',
          '--setenv', 'PATH', '/usr/bin:/bin:/usr/sbin:/sbin', '--setenv', 'HOME', '/tmp',
          '/bin/sh', `/run/distforge-tests/${script}`,
        ],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, signal: AbortSignal.any([env.signal, limit.signal]) },
      );
    } catch (e) {
      if (env.signal.aborted) throw e;
      problems.push(`${script}: killed after the ${timeoutSeconds} s time limit`);
      log += `== ${script}: killed after ${timeoutSeconds} s\n`;
      continue;
    } finally {
      clearTimeout(timer);
    }
    const tap = readTap(r.output);
    log += `== ${script} (exit ${r.code ?? r.signal})\n${r.output}`;
    if (r.code !== 0) problems.push(`${script}: exit ${r.code ?? r.signal}${tap.failed[0] ? ` (${tap.failed[0]})` : ''}`);
    else if (tap.failed.length > 0) problems.push(`${script}: ${tap.failed[0]}`);
  }
  return problems.length === 0
    ? { name: 'tests', state: 'passed', detail: `${scripts.length} script(s) passed`, log }
    : { name: 'tests', state: 'failed', detail: problems.join('; '), log };
}

export async function uninstallStage(env: RootEnv, name: string, rpmPath: string): Promise<StageResult> {
  const r = await run(env, 'rpm', ['--root', env.root, '-e', name]);
  if (r.code !== 0) return { name: 'uninstall', state: 'failed', detail: `rpm -e: ${tail(r.output) || `exit ${r.code}`}`, log: r.output };
  const pkg = readPackageSync(rpmPath);
  const left = pkg.files
    .filter((f) => (f.flags & (CONFIG | GHOST)) === 0 && (f.mode & 0o170000) !== 0o040000)
    .map((f) => f.path)
    .filter((p) => lstatSync(join(env.root, p), { throwIfNoEntry: false }) !== undefined);
  return left.length === 0
    ? { name: 'uninstall', state: 'passed', detail: 'removed; nothing left but config files', log: r.output }
    : { name: 'uninstall', state: 'failed', detail: `left behind: ${left.slice(0, 5).join(', ')}${left.length > 5 ? ` (+${left.length - 5})` : ''}`, log: r.output };
}
