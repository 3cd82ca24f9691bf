/**
 * The output directory of a version: it must not exist or be empty (a version is rendered once,
 * into a fresh directory); when the render fails, everything it wrote is removed again, and so is
 * the directory itself if the render made it.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RepoVersionError } from './errors.ts';

export interface OutDir {
  root: string;
  repodata: string;
  /** The first directory the render made (outDir or one of its parents), or null. */
  made: string | null;
}

/** Checks `dir` and makes `dir`/repodata. @throws RepoVersionError naming the directory. */
export function prepareOutDir(dir: string): OutDir {
  const root = resolve(dir);
  const st = statSync(root, { throwIfNoEntry: false });
  let made: string | null = null;
  if (st) {
    if (!st.isDirectory()) throw new RepoVersionError('exists and is not a directory', { file: root });
    if (readdirSync(root).length > 0) throw new RepoVersionError('exists and is not empty (a version is rendered into a fresh directory)', { file: root });
  } else {
    try {
      made = mkdirSync(root, { recursive: true }) ?? null;
    } catch (e) {
      throw new RepoVersionError(`cannot make the directory: ${(e as Error).message}`, { file: root }, { cause: e });
    }
  }
  const repodata = join(root, 'repodata');
  mkdirSync(repodata);
  return { root, repodata, made };
}

/** Removes repodata/ (all the render wrote) and the directories the render made. */
export function removeOutput(out: OutDir): void {
  rmSync(out.repodata, { recursive: true, force: true });
  if (out.made) rmSync(out.made, { recursive: true, force: true });
}

/** Empties repodata/ (before a second attempt). */
export function clearRepodata(out: OutDir): void {
  for (const name of readdirSync(out.repodata)) rmSync(join(out.repodata, name), { recursive: true, force: true });
}
