/**
 * The master's data directory holds the database (webhook secrets, token hashes), the artifact
 * store, git mirrors and token files: only the account running the master may read it. It is made
 * mode 0700 when missing. An existing one with looser modes is tightened, not refused: the
 * directory to 0700 and what lies directly in it to 0700 (directories) or 0600 (files); when the
 * directory itself was open, everything below it too (once: an older installation's store). That
 * is said at start (`tightenedNote`). A new SQLite database file is made 0600 before SQLite opens
 * it (its -wal and -shm files take the database file's mode).
 */
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';

/**
 * The one line a command prints at start when modes were tightened, or null.
 */
export function tightenedNote(prepared: PreparedDataDir): string | null {
  const { tightened } = prepared;
  if (tightened.length === 0) return null;
  const more = tightened.length > NOTE_PATHS ? ` and ${tightened.length - NOTE_PATHS} more` : '';
  return `the data directory was readable by others; restricted to its owner (directories 0700, files 0600): ${tightened.slice(0, NOTE_PATHS).join(', ')}${more}`;
}

/** What {@link prepareDataDir} did. */
export interface PreparedDataDir {
  dir: string;
  created: boolean;
  /** Paths whose modes were tightened, each with its old mode: `DIR (was 0755)`. */
  tightened: string[];
}

/** Paths named in the start-up note; the rest are counted. */
const NOTE_PATHS = 5;

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

function failure(what: string, path: string, e: unknown): UsageError {
  return new UsageError(`cannot ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
}

/** Makes `path` no more open than `mode` (0700 or 0600); returns a note when it changed it. */
function tighten(path: string, st: Stats, mode: number): string | null {
  if ((st.mode & 0o077) === 0) return null;
  try {
    chmodSync(path, mode);
  } catch (e) {
    throw failure('restrict the mode of', path, e);
  }
  return `${path} (was ${octal(st.mode)})`;
}

/** Tightens what lies in `dir` (everything below it when `deep`), adding a note per path changed. */
function tightenBelow(dir: string, deep: boolean, notes: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const path = join(dir, entry.name);
    const note = tighten(path, lstatSync(path), entry.isDirectory() ? 0o700 : 0o600);
    if (note) notes.push(note);
    if (deep && entry.isDirectory()) tightenBelow(path, true, notes);
  }
}

/**
 * Makes the data directory (0700) or tightens an existing one and what lies directly in it, and
 * the SQLite database file `sqliteFile` when it lies elsewhere.
 * @throws UsageError when it cannot be made, is not a directory, or its mode cannot be changed.
 */
export function prepareDataDir(dataDir: string, sqliteFile?: string): PreparedDataDir {
  const dir = resolve(dataDir);
  const tightened: string[] = [];
  let created = false;
  let st: Stats | undefined;
  try {
    st = lstatSync(dir);
  } catch {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      created = true;
    } catch (e) {
      throw failure('create the data directory', dir, e);
    }
  }
  if (st) {
    if (!st.isDirectory()) throw new UsageError(`the data directory ${dir} is not a directory`);
    const note = tighten(dir, st, 0o700);
    if (note) tightened.push(note);
    tightenBelow(dir, note !== null, tightened);
  }
  if (sqliteFile !== undefined) {
    for (const file of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`]) {
      if (!existsSync(file) || file.startsWith(`${dir}/`)) continue;
      const note = tighten(file, lstatSync(file), 0o600);
      if (note) tightened.push(note);
    }
    if (!existsSync(sqliteFile)) {
      try {
        closeSync(openSync(sqliteFile, 'a', 0o600));
      } catch (e) {
        throw failure('create the database', sqliteFile, e);
      }
    }
  }
  return { dir, created, tightened };
}
