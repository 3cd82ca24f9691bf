/**
 * Preparing a build's sources before anything is written: each git source resolved to a commit
 * and its spec read from the cache, each uploaded SRPM's spec read from its payload, and every
 * spec analysed with rpmspec once per platform (BuildRequires and Provides may depend on the
 * platform's macros; the item keeps the union).
 *
 * Terminology:
 * - prepared item: a source with everything the item graph needs (name, BuildRequires, Provides)
 *   and what the srpm task needs (commit or SRPM sha256).
 */
import { join } from 'node:path';
import type { Context } from '../context.ts';
import type { Platform } from '../platforms/index.ts';
import { materialiseTree } from './git-cache.ts';
import { parseGitSource, resolveGitSource } from './git-source.ts';
import { analyseSpec, type SpecFacts } from './spec-analysis.ts';
import { readSrpmSource } from './srpm-source.ts';

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
  specPath: string;
  name: string;
  buildRequires: string[];
  provides: string[];
}

/** The macros a platform defines for rpmspec and rpmbuild: `dist` from the dist tag, then its macros. */
export function platformMacros(p: Pick<Platform, 'distTag' | 'macros'>): Record<string, string> {
  return { dist: p.distTag, ...p.macros };
}

function union(lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

async function prepareOne(ctx: Context, source: SourceInput | PinnedSource, platforms: readonly Platform[]): Promise<PreparedItem> {
  let base: Omit<PreparedItem, 'name' | 'buildRequires' | 'provides'>;
  let specText: string;
  let label: string;
  let withTree: ((dir: string) => Promise<string>) | undefined;
  if ('git' in source) {
    const ref = parseGitSource(source.git);
    const resolved = await resolveGitSource(ctx.settings.dataDir, ref, 'commit' in source ? source.commit : undefined);
    base = { kind: 'git', gitUrl: ref.url, gitRef: ref.ref, gitCommit: resolved.commit, srpmSha256: null, specPath: resolved.specPath };
    specText = resolved.specText;
    label = `${ref.url}#${ref.ref}: ${resolved.specPath}`;
    withTree = async (dir) => {
      await materialiseTree(resolved.cacheDir, resolved.commit, dir);
      return join(dir, resolved.specPath);
    };
  } else {
    const srpm = await readSrpmSource(ctx, source.srpmSha256);
    base = { kind: 'srpm', gitUrl: null, gitRef: null, gitCommit: null, srpmSha256: source.srpmSha256, specPath: srpm.specPath };
    specText = srpm.specText;
    label = `SRPM ${srpm.name}: ${srpm.specPath}`;
  }
  const facts: SpecFacts[] = [];
  for (const p of platforms) {
    facts.push(await analyseSpec(specText, base.specPath, { macros: platformMacros(p), label, ...(withTree ? { withTree } : {}) }));
  }
  const first = facts[0];
  if (first === undefined) throw new Error('prepareOne needs at least one platform');
  return { ...base, name: first.name, buildRequires: union(facts.map((f) => f.buildRequires)), provides: union(facts.map((f) => f.provides)) };
}

/**
 * Prepares every source (a few at a time), in the order given.
 * @throws the first source's error (GitUnreachableError, GitRefNotFoundError, SpecNotFoundError,
 *   SpecInvalidError, NotFoundError, UsageError)
 */
export async function prepareSources(ctx: Context, sources: readonly (SourceInput | PinnedSource)[], platforms: readonly Platform[]): Promise<PreparedItem[]> {
  const results = new Array<PreparedItem>(sources.length);
  let next = 0;
  let failure: { index: number; error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < sources.length) {
      const i = next++;
      const source = sources[i];
      if (source === undefined) continue;
      try {
        results[i] = await prepareOne(ctx, source, platforms);
      } catch (error) {
        if (failure === null || i < failure.index) failure = { index: i, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, sources.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}
