/**
 * A node's work root (`--work DIR`): where its tasks' work directories live (`task-ID-ATTEMPT` for
 * build tasks, `test-ID-ATTEMPT` for test tasks, `sign-ID-ATTEMPT` for the signer's), beside what
 * it keeps between tasks (the source cache).
 *
 * One node per work root: a node holds DIR/.node.lock (its pid and host) while it runs. Another
 * node starting on the same root is refused, naming the holder; a lock left by a node that is no
 * longer running (killed with -9, say) is taken over. Once it holds the root, the node removes the
 * work directories a killed earlier run left behind (unless it keeps work directories for
 * debugging), unmounting first the build roots (overlays) they left mounted: no task of this
 * node runs yet, and no other node uses the root.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { unmountStaleSync } from './buildroot/overlay.ts';

/** The names of the work directories tasks make in a work root. */
export const TASK_WORK_DIR = /^(task|test|sign)-\d+-\d+$/;

const LOCK_FILE = '.node.lock';

/** A work root this node holds. */
export interface WorkRoot {
  dir: string;
  /** Work directories of an earlier run that were removed. */
  removed: string[];
  /** Gives the root up (removes the lock, when it is still this node's). */
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  token: string;
}

function readHolder(path: string): Holder | null {
  try {
    const [pid, host, token] = readFileSync(path, 'utf8').trim().split(' ');
    return { pid: Number(pid), host: host ?? '', token: token ?? '' };
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the lock file holding `me`, whole (written aside, then linked into place); false when one exists. */
function createLock(path: string, me: Holder): boolean {
  const aside = `${path}.${me.token}`;
  writeFileSync(aside, `${me.pid} ${me.host} ${me.token}\n`, { mode: 0o600 });
  try {
    linkSync(aside, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Takes the lock of `dir`, or says who holds it. @throws UsageError */
function lockWorkRoot(dir: string): Holder {
  const path = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createLock(path, me)) return me;
    const holder = readHolder(path);
    if (holder && holder.host !== me.host) {
      throw new UsageError(`the work directory ${dir} is used by a node on ${holder.host} (pid ${holder.pid}); give each node its own --work directory, or remove ${path} if that node is gone`);
    }
    if (holder && isRunning(holder.pid)) {
      throw new UsageError(`the work directory ${dir} is used by another node (pid ${holder.pid}); give each node its own --work directory`);
    }
    // Left by a node that is gone: take it over (unless another node just did).
    if (readHolder(path)?.token === holder?.token) rmSync(path, { force: true });
  }
  throw new UsageError(`cannot lock the work directory ${dir}: ${path} keeps changing (another node starting?)`);
}

/**
 * Takes the work root `workDir` (made when missing) for this node and removes the task work
 * directories an earlier run left, unless `keepWork`.
 * @throws UsageError when another node uses the root, or it cannot be made.
 */
export function claimWorkRoot(workDir: string, options: { keepWork?: boolean } = {}): WorkRoot {
  const dir = resolve(workDir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create the work directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const me = lockWorkRoot(dir);
  // A killed run may have left its tasks' build roots mounted: nobody else uses them now.
  unmountStaleSync(dir);
  const removed: string[] = [];
  if (!options.keepWork) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !TASK_WORK_DIR.test(entry.name)) continue;
      rmSync(join(dir, entry.name), { recursive: true, force: true });
      removed.push(entry.name);
    }
  }
  const lock = join(dir, LOCK_FILE);
  return {
    dir,
    removed,
    release: () => {
      if (readHolder(lock)?.token === me.token) unlinkSync(lock);
    },
  };
}
