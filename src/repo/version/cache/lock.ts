/**
 * One render at a time per cache: an exclusive lock file holding the owner's pid and a token. A
 * render that finds the lock held by a live process (this one included: two renders of one
 * server) waits for it; a lock left by a process that no longer exists is taken over.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive } from '../../create/lock.ts';
import { RepoVersionError } from '../errors.ts';

const POLL_MS = 50;
/** How long a render waits for another one before giving up. */
const WAIT_LIMIT_MS = 30 * 60 * 1000;

function ownerPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').split(' ')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the lock of `cacheDir` (waiting for its holder); resolves to the function that releases it. */
export async function lockCache(cacheDir: string): Promise<() => void> {
  mkdirSync(cacheDir, { recursive: true });
  const path = join(cacheDir, 'lock');
  const mine = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const start = Date.now();
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, mine);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === mine) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new RepoVersionError(`cannot take the cache lock: ${(e as Error).message}`, { file: cacheDir }, { cause: e });
      }
    }
    const pid = ownerPid(path);
    if (pid !== null && !alive(pid)) {
      try {
        unlinkSync(path);
      } catch {
        // another waiter took it over first
      }
      continue;
    }
    if (Date.now() - start > WAIT_LIMIT_MS) throw new RepoVersionError(`the cache is locked by pid ${pid ?? '?'} for too long`, { file: cacheDir });
    await sleep(POLL_MS);
  }
}
