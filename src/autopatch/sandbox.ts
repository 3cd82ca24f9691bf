/**
 * The bubblewrap sandbox run_script runs in: no network (own, loopback-only network namespace),
 * own PID/IPC/UTS/user namespaces, the host's /usr and a few /etc entries read-only, a private /tmp,
 * the package tree writable at /package, the script's directory read-only at /patches, nothing else
 * of the host. A time limit kills bwrap (and with it, via its PID namespace, the script).
 */
import { spawn } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';

/** The /etc entries a shell script's tools (sed, awk via alternatives, id) read. */
const ETC = ['/etc/alternatives', '/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/ld.so.cache', '/etc/localtime'];
const TOP_LINKS = ['/bin', '/sbin', '/lib', '/lib64'];

export interface ScriptRun {
  /** Host path of the package tree (bound writable at /package). */
  tree: string;
  /** Host directory holding the script (bound read-only at /patches). */
  filesDir: string;
  /** Command inside the sandbox (paths under /patches and /package). */
  command: string[];
  env: Record<string, string>;
  timeoutSeconds: number;
}

export interface ScriptOutcome {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
}

/** bwrap's arguments for a run. */
export function scriptSandboxArgs(run: ScriptRun): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--hostname', 'autopatch', '--ro-bind', '/usr', '/usr'];
  for (const dir of TOP_LINKS) {
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (st?.isSymbolicLink() === true) args.push('--symlink', readlinkSync(dir), dir);
    else if (st?.isDirectory() === true) args.push('--ro-bind', dir, dir);
  }
  for (const f of ETC) args.push('--ro-bind-try', f, f);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  args.push('--bind', run.tree, '/package', '--ro-bind', run.filesDir, '/patches');
  args.push('--remount-ro', '/', '--chdir', '/package', '--clearenv');
  const env = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/tmp', LC_ALL: 'C.UTF-8', ...run.env };
  for (const [k, v] of Object.entries(env)) args.push('--setenv', k, v);
  return [...args, '--', ...run.command];
}

/** Runs the command in the sandbox; kills it after the time limit. Output is capped at 64 KiB. */
export function runScriptSandboxed(run: ScriptRun): Promise<ScriptOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('bwrap', scriptSandboxArgs(run), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      if (output.length < 65536) output += chunk.toString('utf8');
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, run.timeoutSeconds * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, timedOut, output });
    });
  });
}
