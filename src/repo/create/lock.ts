/**
 * One publisher at a time per repository: an exclusive lock file in the cache directory, holding
 * the owner's pid. A lock left by a process that no longer exists is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RepoCreateError } from '../errors.ts';
import { CACHE_DIR } from './cache.ts';

/** Whether a process with this pid exists (one of another user counts). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `repoDir`; returns the function that releases it. */
export function lockRepository(repoDir: string): () => void {
  const dir = join(repoDir, CACHE_DIR);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && alive(owner) && owner !== process.pid) {
        throw new RepoCreateError(`another distforge process (pid ${owner}) is publishing this repository`, repoDir);
      }
      unlinkSync(path);
    }
  }
  throw new RepoCreateError('cannot take the repository lock', repoDir);
}
