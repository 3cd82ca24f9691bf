/** rpmkeys and dnf as judges of signatures, each with a private database. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { dnfBaseArgs, dnfRoot, killAgents } from './dnf-root.ts';
import { exitTempDir } from './exit-temp-dir.ts';
import { join } from 'node:path';

/** A private rpm database with the given public keys imported (inside `parent`, else removed at exit). */
export function keyDb(pubkeys: string[], parent?: string): string {
  const db = parent === undefined ? exitTempDir('distforge-rpmdb-') : mkdtempSync(join(parent, 'distforge-rpmdb-'));
  for (const k of pubkeys) execFileSync('rpmkeys', ['--dbpath', db, '--import', k], { stdio: 'ignore' });
  return db;
}

/** `rpmkeys --checksig -v`: exit status and the per-check lines as [name, status] pairs. */
export function rpmkeysCheck(db: string, file: string): { code: number; checks: [string, string][]; output: string } {
  const r = spawnSync('rpmkeys', ['--dbpath', db, '--checksig', '-v', file], { encoding: 'utf8' });
  const output = r.stdout + r.stderr;
  const checks: [string, string][] = [];
  for (const line of output.split('\n')) {
    const m = /^ {4}(.+): (OK|BAD|NOKEY|NOTTRUSTED|NOTFOUND)/.exec(line);
    if (m?.[1] && m[2]) checks.push([m[1], m[2]]);
  }
  return { code: r.status ?? 1, checks, output };
}

interface DnfRun {
  args: string[];
  env: NodeJS.ProcessEnv;
  root: string;
  cleanup: () => void;
}

/** The isolated dnf invocation of TOOLCHAIN.md: private config, HOME, empty installroot. */
function dnfInvocation(work: string, repoUrl: string | string[], pubkey: string, pkg: string, opts: { repoGpgcheck?: boolean; unsigned?: string[] }): DnfRun {
  const r = dnfRoot(work, { gpgcheck: true, repoGpgcheck: opts.repoGpgcheck === true });
  const repoGpg = opts.repoGpgcheck ? '1' : '0';
  const args = [
    ...dnfBaseArgs(r),
    ...(Array.isArray(repoUrl) ? repoUrl : [repoUrl]).flatMap((url, i) => {
      const id = i === 0 ? 'r' : `r${i}`;
      return [`--repofrompath=${id},${url}`, `--setopt=${id}.gpgcheck=1`, `--setopt=${id}.repo_gpgcheck=${repoGpg}`, `--setopt=${id}.gpgkey=file://${pubkey}`];
    }),
    // Repositories nobody signed (the bootstrap repository): their packages are taken unchecked.
    ...(opts.unsigned ?? []).flatMap((url, i) => [`--repofrompath=u${i},${url}`, `--setopt=u${i}.gpgcheck=0`, `--setopt=u${i}.repo_gpgcheck=0`]),
    'install', '-y', pkg,
  ];
  return { args, env: { ...process.env, HOME: r.home }, root: r.root, cleanup: () => killAgents(r.root) };
}

/**
 * Installs `pkg` with real dnf into an empty root from the repository at `repoUrl`, with
 * gpgcheck=1 and the given key, as ../shared/docs/TOOLCHAIN.md describes.
 */
export function dnfInstall(work: string, repoUrl: string, pubkey: string, pkg: string, opts: { repoGpgcheck?: boolean } = {}): { code: number; output: string; root: string } {
  const d = dnfInvocation(work, repoUrl, pubkey, pkg, opts);
  const r = spawnSync('dnf', d.args, { encoding: 'utf8', env: d.env, timeout: 120_000 });
  d.cleanup();
  return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}`, root: d.root };
}

/** {@link dnfInstall} without blocking the event loop (for repositories served by this process). */
export function dnfInstallAsync(work: string, repoUrl: string | string[], pubkey: string, pkg: string, opts: { repoGpgcheck?: boolean; unsigned?: string[] } = {}): Promise<{ code: number; output: string; root: string }> {
  const d = dnfInvocation(work, repoUrl, pubkey, pkg, opts);
  return new Promise((done, fail) => {
    const child = spawn('dnf', d.args, { env: d.env, timeout: 120_000 });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (x: string) => (output += x));
    child.stderr.setEncoding('utf8').on('data', (x: string) => (output += x));
    child.on('error', fail);
    child.on('close', (code) => {
      d.cleanup();
      done({ code: code ?? 1, output, root: d.root });
    });
  });
}
