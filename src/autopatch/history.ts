/**
 * Our branch's history: the commit message autopatch writes (what was imported, what was applied,
 * and machine-readable trailers) and the lookup that makes a repeated import idempotent.
 *
 * Trailers: `Upstream-Ref`, `Upstream-Commit`, `Autopatch-Config` (sha256 over the config and the
 * files it uses, or `none`) and `Autopatch-NVR`. An import whose upstream commit and config digest
 * match a commit already on our branch is the same import: its tag is returned, nothing is pushed.
 */
import { gitMaybe } from './git.ts';

export interface ImportRecord {
  upstreamRef: string;
  upstreamCommit: string;
  /** Digest of the config and its files, or `none`. */
  configDigest: string;
  /** Config file name in the patches repository and the patches ref/commit, when there was one. */
  patches: { file: string; ref: string; commit: string } | null;
  nvr: string;
  applied: string[];
}

/** The commit message for an import. */
export function commitMessage(r: ImportRecord): string {
  const lines = [`autopatch: ${r.nvr} from ${r.upstreamRef}`, ''];
  lines.push(`Upstream import ${r.upstreamRef} (commit ${r.upstreamCommit}).`);
  if (r.patches === null) lines.push('No autopatch config for this package: imported unchanged.');
  else {
    lines.push(`Patched with ${r.patches.file} of the patches repository at ${r.patches.ref} (commit ${r.patches.commit}).`);
    lines.push('', 'Actions applied:', ...r.applied.map((a) => `- ${a}`));
  }
  lines.push('', `Upstream-Ref: ${r.upstreamRef}`, `Upstream-Commit: ${r.upstreamCommit}`, `Autopatch-Config: ${r.configDigest}`, `Autopatch-NVR: ${r.nvr}`);
  return lines.join('\n') + '\n';
}

function trailer(message: string, key: string): string | null {
  const m = new RegExp(`^${key}: (.+)$`, 'm').exec(message);
  return m?.[1] ?? null;
}

function appliedLines(message: string): string[] {
  const start = message.indexOf('\nActions applied:\n');
  if (start < 0) return [];
  const block = message.slice(start + '\nActions applied:\n'.length).split('\n\n')[0] ?? '';
  return block.split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
}

export interface PreviousImport {
  commit: string;
  nvr: string;
  applied: string[];
}

/** Finds, on our branch's first-parent history in `repo`, the commit of the same import. */
export async function findPreviousImport(repo: string, branch: string, upstreamCommit: string, configDigest: string): Promise<PreviousImport | null> {
  const log = await gitMaybe(['log', '--first-parent', '--format=%H%x1f%B%x1e', `refs/heads/${branch}`, '--'], { gitDir: repo });
  if (log === null) return null;
  for (const entry of log.split('\x1e')) {
    const [commit = '', message = ''] = entry.replace(/^\n/, '').split('\x1f');
    if (trailer(message, 'Upstream-Commit') !== upstreamCommit || trailer(message, 'Autopatch-Config') !== configDigest) continue;
    const nvr = trailer(message, 'Autopatch-NVR');
    if (nvr !== null) return { commit, nvr, applied: appliedLines(message) };
  }
  return null;
}

/** Whether `ref` exists in `repo` (false when the repository does not exist). */
export async function refExists(repo: string, ref: string): Promise<boolean> {
  return (await gitMaybe(['rev-parse', '--verify', '--quiet', ref], { gitDir: repo })) !== null;
}

/** The commit a tag of `repo` points to, or null. */
export async function tagCommit(repo: string, tag: string): Promise<string | null> {
  const out = await gitMaybe(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`], { gitDir: repo });
  return out === null ? null : out.trim();
}

/** Checks a tag or branch name with `git check-ref-format`. */
export async function validRefName(ref: string): Promise<boolean> {
  return (await gitMaybe(['check-ref-format', ref])) !== null;
}

