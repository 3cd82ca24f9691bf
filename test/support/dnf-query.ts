/** `dnf repoquery` (and other read-only dnf commands) run isolated from the host, as a judge of repodata. */
import { spawn } from 'node:child_process';
import { dnfBaseArgs, dnfRoot } from './dnf-root.ts';

/**
 * Runs `dnf … --repofrompath ID,URL … --repo ID … COMMAND ARGS` with a private config, HOME and
 * empty installroot under `work`; resolves with its exit status and output (never rejects on a
 * non-zero exit). Asynchronous, so a repository served by this process can answer.
 */
export function dnfQuery(work: string, repos: { id: string; url: string }[], args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r0 = dnfRoot(work);
  const argv = ['-q', ...dnfBaseArgs(r0)];
  for (const r of repos) argv.push(`--repofrompath=${r.id},${r.url}`);
  for (const r of repos) argv.push('--repo', r.id);
  return new Promise((done, fail) => {
    const child = spawn('dnf', [...argv, ...args], { env: { ...process.env, HOME: r0.home }, timeout: 300_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}
