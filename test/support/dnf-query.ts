/** `dnf repoquery` (and other read-only dnf commands) run isolated from the host, as a judge of repodata. */
import { spawn } from 'node:child_process';
import { dnfBaseArgs, dnfRoot } from './dnf-root.ts';

/**
 * A `repoquery --qf` format printing everything repodata says of a package that dnf shows: NEVRA,
 * location, source RPM, sizes, build time, every dependency kind and the file list. Two
 * repositories whose answers to it are equal hold the same packages as far as dnf can tell.
 */
export const REPOQUERY_EVERYTHING = [
  '=== %{name}-%{epoch}:%{version}-%{release}.%{arch}',
  'location %{location}',
  'sourcerpm %{sourcerpm}',
  'size %{size} %{installsize} %{downloadsize} %{buildtime}',
  'requires', '%{requires}', 'provides', '%{provides}', 'conflicts', '%{conflicts}', 'obsoletes', '%{obsoletes}',
  'recommends', '%{recommends}', 'suggests', '%{suggests}', 'supplements', '%{supplements}', 'enhances', '%{enhances}',
  'files', '%{files}',
].join('\n');

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
