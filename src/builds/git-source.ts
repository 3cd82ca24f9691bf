/**
 * Git sources of a build: `URL#REF` parsed, the ref resolved to a commit with `git ls-remote`
 * (branches, tags — annotated tags peeled to their commit — full `refs/…` names, or a full commit
 * hash checked by fetching it), the commit fetched into the cache, and the spec file found at the
 * root of the tree or in SPECS/ and read without a checkout.
 *
 * Terminology:
 * - ref: what the user typed after `#`: a branch, a tag, `refs/…`, or a full commit hash.
 * - pinned commit: a commit already resolved (a rebuild repeats its build's commits).
 */
import { isAbsolute, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';
import { dataDirProblem, gitUrlProblem, MAX_GIT_URL_LENGTH, redactCredentials } from '../util/git-url.ts';
import { GitRefNotFoundError, GitUnreachableError, SpecNotFoundError } from './errors.ts';
import { lastErrorLine, runTool } from './exec.ts';
import { ensureGitCache, fetchCommit, gitCacheDir, listFiles, readFileAt } from './git-cache.ts';

export interface GitSourceRef {
  url: string;
  ref: string;
}

export interface ResolvedGitSource extends GitSourceRef {
  commit: string;
  /** Path of the spec file in the tree (`foo.spec` or `SPECS/foo.spec`). */
  specPath: string;
  specText: string;
  /** The bare cache holding the commit. */
  cacheDir: string;
}

const COMMIT_HASH = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** The file system path a git URL names (a path or file:// URL), else null. */
function localPath(url: string): string | null {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return null;
    }
  }
  // scheme://… and scp-like host:path are remote.
  return url.includes('://') || /^[^/]+:/.test(url) ? null : url;
}

/** Longest ref after `#` (git's own limit on ref names is lower than any path limit). */
const MAX_REF_LENGTH = 255;

/** Splits `URL#REF` (the last `#` separates them). @throws UsageError (never echoing credentials) */
export function parseGitSource(text: string): GitSourceRef {
  if (text.length > MAX_GIT_URL_LENGTH + 1 + MAX_REF_LENGTH) throw new UsageError(`git source is ${text.length} characters long (at most ${MAX_GIT_URL_LENGTH} for the URL and ${MAX_REF_LENGTH} for the ref)`);
  const at = text.lastIndexOf('#');
  if (at < 0) throw new UsageError(`git source "${redactCredentials(text)}" has no ref: write URL#BRANCH, URL#TAG or URL#COMMIT`);
  const url = text.slice(0, at).trim();
  const ref = text.slice(at + 1).trim();
  const urlProblem = url === '' ? null : gitUrlProblem(url);
  if (urlProblem) throw new UsageError(`git URL ${urlProblem}`);
  if (url === '') throw new UsageError(`git source "${text}" has no URL before #`);
  if (ref === '') throw new UsageError(`git source "${text}" has an empty ref after #`);
  if (ref.length > MAX_REF_LENGTH) throw new UsageError(`git ref is ${ref.length} characters long (at most ${MAX_REF_LENGTH})`);
  if (localPath(url) !== null && !isAbsolute(localPath(url) ?? '')) throw new UsageError(`a local git repository must be given by its absolute path, not "${url}"`);
  if (ref.startsWith('-') || /[\s~^:?*[\\\p{Cc}\p{Cf}]|\.\.|@\{/u.test(ref) || ref.endsWith('/') || ref.endsWith('.lock')) {
    throw new UsageError(`"${ref}" is not a valid git ref (in ${text})`);
  }
  return { url, ref };
}

/** The refs a remote advertises: full name → commit (annotated tags also as `NAME^{}`). */
async function remoteRefs(url: string): Promise<Map<string, string>> {
  const r = await runTool('git', ['ls-remote', '--', url], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new GitUnreachableError(url, lastErrorLine(r.stderr));
  const refs = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [hash, name] = line.split('\t');
    if (hash && name) refs.set(name, hash);
  }
  return refs;
}

/** The commit `ref` names among `refs`, in git's order: refs/…, tags, branches. */
function commitOfRef(refs: Map<string, string>, ref: string): string | undefined {
  const names = ref.startsWith('refs/') ? [ref] : ref === 'HEAD' ? ['HEAD'] : [`refs/tags/${ref}`, `refs/heads/${ref}`];
  for (const name of names) {
    const commit = refs.get(`${name}^{}`) ?? refs.get(name);
    if (commit) return commit;
  }
  return undefined;
}

/** The spec file of the tree: the only `*.spec` at the root, else in SPECS/ (by repository name when several). */
async function findSpec(cacheDir: string, src: GitSourceRef, commit: string): Promise<string> {
  const repoName = posix.basename(src.url.replace(/\/+$/, '')).replace(/\.git$/, '');
  for (const tree of ['', 'SPECS/']) {
    const specs = (await listFiles(cacheDir, commit, tree)).filter((f) => f.endsWith('.spec'));
    if (specs.length === 1 && specs[0] !== undefined) return specs[0];
    if (specs.length > 1) {
      const named = specs.find((f) => posix.basename(f) === `${repoName}.spec`);
      if (named) return named;
      throw new SpecNotFoundError(`${src.url}#${src.ref} has several spec files in ${tree || 'its root'} (${specs.join(', ')}) and none is named ${repoName}.spec`);
    }
  }
  throw new SpecNotFoundError(`${src.url}#${src.ref} (${commit.slice(0, 12)}) has no spec file at its root or in SPECS/`);
}

/**
 * Resolves a git source to a commit, fetches it into the cache and reads its spec file.
 * @throws GitUnreachableError, GitRefNotFoundError, SpecNotFoundError
 */
export async function resolveGitSource(dataDir: string, src: GitSourceRef, pinnedCommit?: string): Promise<ResolvedGitSource> {
  const refused = dataDirProblem(src.url, dataDir);
  if (refused) throw new UsageError(`git URL ${src.url} ${refused}`);
  const cacheDir = gitCacheDir(dataDir, src.url);
  let commit = pinnedCommit;
  if (commit === undefined) {
    const refs = await remoteRefs(src.url);
    commit = commitOfRef(refs, src.ref);
    if (commit === undefined && !COMMIT_HASH.test(src.ref)) {
      const what = /^[0-9a-f]{7,39}$/.test(src.ref) ? 'branch or tag (abbreviated commit hashes are not accepted: give all of it)' : 'branch or tag';
      throw new GitRefNotFoundError(src.url, src.ref, what);
    }
    commit ??= src.ref;
  }
  await ensureGitCache(cacheDir);
  const failure = await fetchCommit(cacheDir, src.url, commit);
  if (failure !== null) {
    if (pinnedCommit === undefined && COMMIT_HASH.test(src.ref) && /not our ref|not a commit|couldn't find remote ref|no such remote ref/i.test(failure)) {
      throw new GitRefNotFoundError(src.url, src.ref, 'commit');
    }
    throw new GitUnreachableError(src.url, `cannot fetch ${commit}: ${failure}`);
  }
  const specPath = await findSpec(cacheDir, src, commit);
  const specText = await readFileAt(cacheDir, commit, specPath);
  return { ...src, commit, specPath, specText, cacheDir };
}
