/**
 * The four stages of testing one built binary package, each in the package's own fresh root,
 * made by the same code and from the same repositories as build roots (src/node/buildroot): the
 * platform's test base set (`tests.install`, default bash and coreutils), through the root cache.
 * 1. install: dnf installs the package file, resolving its dependencies from the task's
 *    repositories (the build's own repository, then the platform's), its scriptlets in the
 *    install sandbox (no network);
 * 2. integrity: `rpm -V` of that root (every file present with its digest, mode, owner), in the
 *    install sandbox, without %verifyscript;
 * 3. tests: the source's test scripts run in the root as the sandbox user (no network, a private
 *    /tmp, a time limit); exit status and TAP lines (`ok N`/`not ok N`) count;
 * 4. uninstall: `rpm -e` in the install sandbox, then nothing of the package may be left but its
 *    config files.
 *
 * Each stage yields its state and its log.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readPackageSync } from '../rpm/index.ts';
import type { TaskRoot } from './buildroot/task-root.ts';
import { BuildFailedError } from './errors.ts';
import type { RunResult } from './run.ts';

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

/** Where a package's test scripts are shown in its root. */
const TESTS_DIR = '/run/distforge-tests';

function tail(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').slice(-1)[0] ?? '';
}

export async function installStage(root: TaskRoot, rpmPath: string): Promise<StageResult> {
  let log = '';
  try {
    await root.install([`file:${rpmPath}`], 'package under test and its dependencies', (t) => (log += t));
    return { name: 'install', state: 'passed', detail: 'installed with its dependencies', log };
  } catch (e) {
    if (!(e instanceof BuildFailedError)) throw e;
    return { name: 'install', state: 'failed', detail: e.message, log };
  }
}

export async function integrityStage(root: TaskRoot, name: string): Promise<StageResult> {
  const r = await root.query(['-V', '--noscripts', name]);
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

/** Runs every test script of `testsDir` in the root, as the sandbox user (sorted; a missing or empty dir: skipped). */
export async function testsStage(root: TaskRoot, testsDir: string | null, timeoutSeconds: number): Promise<StageResult> {
  const scripts = testsDir === null ? [] : readdirSync(testsDir).filter((f) => lstatSync(join(testsDir, f)).isFile()).sort();
  if (testsDir === null || scripts.length === 0) return { name: 'tests', state: 'skipped', detail: 'no test scripts', log: '' };
  let log = '';
  const problems: string[] = [];
  for (const script of scripts) {
    const r: RunResult & { timedOut: boolean } = await root.run(['/bin/sh', `${TESTS_DIR}/${script}`], {
      mounts: [{ host: testsDir, sandbox: TESTS_DIR, writable: false }],
      timeoutMs: timeoutSeconds * 1000,
    });
    if (r.timedOut) {
      problems.push(`${script}: killed after the ${timeoutSeconds} s time limit`);
      log += `== ${script}: killed after ${timeoutSeconds} s\n${r.output}`;
      continue;
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

export async function uninstallStage(root: TaskRoot, name: string, rpmPath: string): Promise<StageResult> {
  const r = await root.erase(name);
  if (r.code !== 0) return { name: 'uninstall', state: 'failed', detail: `rpm -e: ${tail(r.output) || `exit ${r.code}`}`, log: r.output };
  const pkg = readPackageSync(rpmPath);
  const left = pkg.files
    .filter((f) => (f.flags & (CONFIG | GHOST)) === 0 && (f.mode & 0o170000) !== 0o040000)
    .map((f) => f.path)
    .filter((p) => lstatSync(root.host(p), { throwIfNoEntry: false }) !== undefined);
  return left.length === 0
    ? { name: 'uninstall', state: 'passed', detail: 'removed; nothing left but config files', log: r.output }
    : { name: 'uninstall', state: 'failed', detail: `left behind: ${left.slice(0, 5).join(', ')}${left.length > 5 ? ` (+${left.length - 5})` : ''}`, log: r.output };
}
