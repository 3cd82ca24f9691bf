/**
 * Real dnf and rpm on an installroot, for unsigned test repositories (the signed-repository
 * judge is rpmkeys.ts). The isolated invocation of ../shared/docs/TOOLCHAIN.md: a private HOME
 * whose .rpmmacros puts the root's rpmdb at ROOT/var/lib/rpm, a config with reposdir=/dev/null,
 * the `local` and `generate_completion_cache` plugins off, --releasever=9 — with gpgcheck=0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** An installroot and the private HOME that rpm and dnf use with it. */
export interface DnfRoot {
  root: string;
  home: string;
  /** The dnf configuration file. */
  conf: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Creates `work`/root (empty), `work`/home (with .rpmmacros) and `work`/dnf.conf, checking
 * package and repository signatures as `checks` says (default: neither).
 */
export function dnfRoot(work: string, checks: { gpgcheck?: boolean; repoGpgcheck?: boolean } = {}): DnfRoot {
  const root = join(work, 'root');
  const home = join(work, 'home');
  mkdirSync(root, { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.rpmmacros'), '%_dbpath /var/lib/rpm\n');
  const conf = join(work, 'dnf.conf');
  writeFileSync(conf, `[main]\nreposdir=/dev/null\ninstall_weak_deps=False\ngpgcheck=${checks.gpgcheck ? 1 : 0}\nrepo_gpgcheck=${checks.repoGpgcheck ? 1 : 0}\n`);
  return { root, home, conf };
}

/** The isolated part of every dnf command line on `r`: its config, no host plugins, its root. */
export function dnfBaseArgs(r: DnfRoot): string[] {
  return ['-c', r.conf, '--disableplugin=local,generate_completion_cache', `--installroot=${r.root}`, '--releasever=9'];
}

function run(cmd: string, args: string[], home: string, timeout = 120_000): CommandResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, HOME: home }, timeout });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Stops the gpg-agents dnf may have started for the root's cache directories (repo_gpgcheck). */
export function killAgents(root: string): void {
  spawnSync('sh', ['-c', 'for d in "$1"/var/cache/dnf/*/pubring; do [ -d "$d" ] && gpgconf --homedir "$d" --kill gpg-agent; done; true', 'sh', root], { stdio: 'ignore' });
}

/**
 * `dnf install -y SPECS…` into `r.root` from the one repository at `repoUrl` (no gpg checks).
 * SPECS may be names or capabilities (`/bin/sh`).
 */
export function dnfInstallUnsigned(r: DnfRoot, repoUrl: string, specs: string[]): CommandResult {
  const args = [
    ...dnfBaseArgs(r),
    `--repofrompath=r,${repoUrl}`, '--setopt=r.gpgcheck=0', '--setopt=r.repo_gpgcheck=0',
    'install', '-y', ...specs,
  ];
  try {
    return run('dnf', args, r.home);
  } finally {
    killAgents(r.root);
  }
}

/** `rpm --root ROOT ARGS…` with the root's private HOME (so that rpm finds ROOT/var/lib/rpm). */
export function rpmInRoot(r: DnfRoot, args: string[]): CommandResult {
  return run('rpm', ['--root', r.root, ...args], r.home);
}

/**
 * Runs `argv` inside the root with bubblewrap: the root as /, fresh /proc and /dev, every
 * namespace unshared (no network), nothing of the host visible.
 */
export function runInRoot(r: DnfRoot, argv: string[]): CommandResult {
  return run('bwrap', ['--bind', r.root, '/', '--proc', '/proc', '--dev', '/dev', '--unshare-all', '--die-with-parent', '--clearenv', '--setenv', 'PATH', '/usr/bin:/usr/sbin', ...argv], r.home, 30_000);
}

export interface DnfOutcome {
  code: number;
  output: string;
  root: string;
}

/**
 * Runs dnf asynchronously (repositories may be served by this process) in a fresh isolated root
 * under `work`: gpgcheck and repo_gpgcheck on unless `gpg` is false; `reposdir` makes dnf read the
 * .repo files there (as /etc/yum.repos.d).
 */
export function dnfAsync(work: string, args: string[], options: { reposdir?: string; gpg?: boolean } = {}): Promise<DnfOutcome> {
  mkdirSync(work, { recursive: true });
  const r = dnfRoot(work, { gpgcheck: options.gpg !== false, repoGpgcheck: options.gpg !== false });
  if (options.reposdir) writeFileSync(r.conf, `[main]\nreposdir=${options.reposdir}\ninstall_weak_deps=False\n`);
  return new Promise((done, fail) => {
    // -y: importing the platform's key for repo_gpgcheck is a question even for repoquery.
    const child = spawn('dnf', [...dnfBaseArgs(r), '-y', ...args], { env: { ...process.env, HOME: r.home }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (x: string) => (output += x));
    child.stderr.setEncoding('utf8').on('data', (x: string) => (output += x));
    child.on('error', fail);
    child.on('close', (code) => {
      killAgents(r.root);
      done({ code: code ?? 1, output, root: r.root });
    });
  });
}

