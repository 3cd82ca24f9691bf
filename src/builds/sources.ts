/**
 * Preparing a build's sources before anything is written: each git source resolved to a commit
 * and its spec file found in the cache (by name only: the master never evaluates a spec), each
 * uploaded SRPM found in the index. What a package needs and provides is found out by its srpm
 * task on a node, in the sandbox (build-graph.ts).
 *
 * Terminology:
 * - prepared item: a source with what the srpm task needs (commit or SRPM sha256) and a
 *   provisional package name (the spec file's, or the SRPM's), until the srpm task reports it.
 */
import { basename } from 'node:path';
import type { Context } from '../context.ts';
import { parseGitSource, resolveGitSource } from './git-source.ts';
import { findUploadedSrpm } from './srpm-source.ts';

/** A source as a user gives it: `URL#REF`, or the sha256 of an uploaded SRPM. */
export type SourceInput = { git: string } | { srpmSha256: string };

/** A source whose commit is already known (a rebuild repeats its build's commits). */
export type PinnedSource = { git: string; commit: string } | { srpmSha256: string };

export interface PreparedItem {
  kind: 'git' | 'srpm';
  gitUrl: string | null;
  gitRef: string | null;
  gitCommit: string | null;
  srpmSha256: string | null;
  /** Path of the spec in the git tree; null for an SRPM until its srpm task reports it. */
  specPath: string | null;
  /** The package name as far as the master knows before the srpm task (the spec file's name, or the SRPM's). */
  name: string;
}

async function prepareOne(ctx: Context, source: SourceInput | PinnedSource): Promise<PreparedItem> {
  if ('git' in source) {
    const ref = parseGitSource(source.git);
    const resolved = await resolveGitSource(ctx.settings.dataDir, ref, 'commit' in source ? source.commit : undefined);
    return { kind: 'git', gitUrl: ref.url, gitRef: ref.ref, gitCommit: resolved.commit, srpmSha256: null, specPath: resolved.specPath, name: basename(resolved.specPath, '.spec') };
  }
  const srpm = await findUploadedSrpm(ctx, source.srpmSha256);
  return { kind: 'srpm', gitUrl: null, gitRef: null, gitCommit: null, srpmSha256: source.srpmSha256, specPath: null, name: srpm.name };
}

/**
 * Prepares every source (a few at a time), in the order given.
 * @throws the first source's error (GitUnreachableError, GitRefNotFoundError, SpecNotFoundError,
 *   NotFoundError, UsageError)
 */
export async function prepareSources(ctx: Context, sources: readonly (SourceInput | PinnedSource)[]): Promise<PreparedItem[]> {
  const results = new Array<PreparedItem>(sources.length);
  let next = 0;
  let failure: { index: number; error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < sources.length) {
      const i = next++;
      const source = sources[i];
      if (source === undefined) continue;
      try {
        results[i] = await prepareOne(ctx, source);
      } catch (error) {
        if (failure === null || i < failure.index) failure = { index: i, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, sources.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}
