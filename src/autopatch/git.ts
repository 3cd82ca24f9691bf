/**
 * The git command line, run with argument arrays (never a shell) and a fixed environment so
 * results are reproducible: no system or global config, a fixed committer identity, C locale.
 * A failing command becomes an AutopatchError that quotes git's own message.
 */
import { execFile } from 'node:child_process';
import { AutopatchError } from './errors.ts';

/** The identity of every commit and tag autopatch makes. */
export const COMMITTER = { name: 'distforge', email: 'distforge@localhost' } as const;

export interface GitOptions {
  /** `--git-dir`. */
  gitDir?: string;
  /** `--work-tree`. */
  workTree?: string;
  /** Commit/tag date (git date format, e.g. `@1700000000 +0000`). */
  date?: string;
  /** Standard input. */
  input?: string;
}

function gitEnv(date: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    LC_ALL: 'C',
    TZ: 'UTC',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: COMMITTER.name,
    GIT_AUTHOR_EMAIL: COMMITTER.email,
    GIT_COMMITTER_NAME: COMMITTER.name,
    GIT_COMMITTER_EMAIL: COMMITTER.email,
  };
  if (date !== undefined) {
    env['GIT_AUTHOR_DATE'] = date;
    env['GIT_COMMITTER_DATE'] = date;
  }
  return env;
}

/** Runs git and returns its standard output; throws AutopatchError with git's message on failure. */
export function git(args: readonly string[], options: GitOptions = {}): Promise<string> {
  const full = [
    ...(options.gitDir === undefined ? [] : [`--git-dir=${options.gitDir}`]),
    ...(options.workTree === undefined ? [] : [`--work-tree=${options.workTree}`]),
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = execFile('git', full, { env: gitEnv(options.date), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout);
      const detail = stderr.trim() || err.message;
      reject(new AutopatchError(`git ${args.join(' ')} failed: ${detail}`, { cause: err }));
    });
    // A command that does not read its input may close the pipe early: that is not an error.
    child.stdin?.on('error', () => undefined);
    if (options.input === undefined) child.stdin?.end();
    else child.stdin?.end(options.input);
  });
}

/** Like git() but returns null instead of throwing (for lookups that may fail: a missing ref). */
export async function gitMaybe(args: readonly string[], options: GitOptions = {}): Promise<string | null> {
  try {
    return await git(args, options);
  } catch (err) {
    if (err instanceof AutopatchError) return null;
    throw err;
  }
}

/** The commit id a revision names in `gitDir`, or null. */
export async function resolveCommit(gitDir: string, rev: string): Promise<string | null> {
  const out = await gitMaybe(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { gitDir });
  return out === null ? null : out.trim();
}

/** Makes an empty repository at `gitDir` that git commands can use with a separate work tree. */
export async function initScratchRepo(gitDir: string): Promise<void> {
  await git(['init', '--quiet', '--bare', gitDir]);
  await git(['config', 'core.bare', 'false'], { gitDir });
}

/** Fetches `ref` of `repo` into `gitDir` and returns its commit id. */
export async function fetchCommit(gitDir: string, repo: string, ref: string, what: string): Promise<string> {
  try {
    await git(['fetch', '--quiet', '--no-tags', repo, `+${ref}:refs/autopatch/fetched`], { gitDir });
  } catch (err) {
    throw new AutopatchError(`cannot fetch ${what} ${ref} from ${repo}: ${(err as Error).message}`, { cause: err });
  }
  const commit = await resolveCommit(gitDir, 'refs/autopatch/fetched');
  if (commit === null) throw new AutopatchError(`${what} ${ref} of ${repo} is not a commit`);
  return commit;
}

/** Checks out `commit` into `workTree` (a fresh, empty directory). */
export async function checkoutInto(gitDir: string, workTree: string, commit: string): Promise<void> {
  await git(['read-tree', '--reset', commit], { gitDir, workTree });
  await git(['checkout-index', '--all', '--force'], { gitDir, workTree });
}
