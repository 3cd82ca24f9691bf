/**
 * Getting a task's package source onto the node: a git tree checked out at the exact commit the
 * master resolved (git CLI: `clone --no-checkout`, then `checkout` of that commit), or an SRPM
 * file given as is.
 *
 * A git tree holds one spec file, at the root or in SPECS/, and its sources beside it or in
 * SOURCES/ (dist-git and rpmbuild layouts). Anything else is a clear error.
 */
import { lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { readPackageSync } from '../rpm/index.ts';
import { BuildFailedError } from './errors.ts';
import { lastLines, runLogged, type RunOptions } from './run.ts';
import type { TaskSource } from './types.ts';

/** A checked-out git tree, ready for `rpmbuild -bs`. */
export interface GitCheckout {
  kind: 'git';
  dir: string;
  specPath: string;
  /** Where Source and Patch files are (SOURCES/ or the spec's directory). */
  sourceDir: string;
  /** The commit checked out (full hash). */
  commit: string;
}

/** An SRPM given as the source. */
export interface SrpmCheckout {
  kind: 'srpm';
  srpmPath: string;
}

export type CheckedOutSource = GitCheckout | SrpmCheckout;

const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };
const GIT_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'advice.detachedHead=false', '-c', 'protocol.file.allow=always'];

async function git(args: string[], what: string, options: RunOptions): Promise<string> {
  const env = { ...process.env, ...GIT_ENV };
  const r = await runLogged('git', [...GIT_CONFIG, ...args], { ...options, env });
  if (r.code !== 0) throw new BuildFailedError(`${what} failed: ${lastLines(r.output, 3).join(' / ') || `exit ${String(r.code ?? r.signal)}`}`, { logPath: options.logPath ?? null });
  return r.output;
}

function specsIn(dir: string): string[] {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.spec') && lstatSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Finds the spec file and the source directory of a package tree.
 * @throws BuildFailedError when there is no spec, or more than one where the first is looked for.
 */
export function findSpec(dir: string): { specPath: string; sourceDir: string } {
  let specs = specsIn(dir);
  let where = 'at the root';
  if (specs.length === 0) {
    specs = specsIn(join(dir, 'SPECS'));
    where = 'in SPECS/';
  }
  if (specs.length === 0) throw new BuildFailedError('no spec file: expected one *.spec at the root of the tree or in SPECS/');
  const [specPath] = specs;
  if (specs.length > 1 || specPath === undefined) {
    throw new BuildFailedError(`${specs.length} spec files ${where} (${specs.map((s) => relative(dir, s)).join(', ')}): expected exactly one`);
  }
  const sources = join(dir, 'SOURCES');
  const sourceDir = lstatSync(sources, { throwIfNoEntry: false })?.isDirectory() ? sources : dirname(specPath);
  return { specPath, sourceDir };
}

/**
 * Checks out `source` under `workDir` (a git tree into `workDir/checkout`); an SRPM is checked to
 * be a source package.
 *
 * @throws BuildFailedError: clone or checkout failed, the commit is not in the repository, no spec
 *   or more than one, an SRPM that is not a source package.
 */
export async function checkoutSource(source: TaskSource, workDir: string, options: RunOptions = {}): Promise<CheckedOutSource> {
  if (source.kind === 'srpm') {
    let isSource = false;
    try {
      isSource = readPackageSync(source.srpmPath).isSource;
    } catch (e) {
      throw new BuildFailedError(`${source.srpmPath}: not an RPM package: ${(e as Error).message}`, { cause: e });
    }
    if (!isSource) throw new BuildFailedError(`${source.srpmPath}: a binary package, not a source RPM`);
    return { kind: 'srpm', srpmPath: source.srpmPath };
  }
  const dir = join(workDir, 'checkout');
  mkdirSync(workDir, { recursive: true });
  const wanted = source.gitCommit || source.gitRef;
  if (!wanted) throw new BuildFailedError(`${source.gitUrl}: neither a commit nor a ref to check out`);
  await git(['clone', '--quiet', '--no-checkout', '--', source.gitUrl, dir], `git clone ${source.gitUrl}`, options);
  await git(['-C', dir, 'checkout', '--quiet', '--detach', `${wanted}^{commit}`, '--'], `git checkout ${wanted} of ${source.gitUrl}`, options);
  const commit = (await git(['-C', dir, 'rev-parse', 'HEAD'], 'git rev-parse', { ...options, onOutput: undefined, logPath: undefined })).trim();
  if (source.gitCommit && !commit.startsWith(source.gitCommit)) {
    throw new BuildFailedError(`${source.gitUrl}: checked out ${commit}, expected ${source.gitCommit}`);
  }
  return { kind: 'git', dir, commit, ...findSpec(dir) };
}
