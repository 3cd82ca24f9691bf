/**
 * Replacing a file so that readers see the old bytes or the new ones, never a mix: write a
 * temporary file in the same directory, then rename it over the target. On failure the temporary
 * file is removed and the target is untouched. A leaf module: any folder may use it.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A fresh, unguessable temporary path beside `target`. */
export function tempPathBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Removes `path` if it is there. */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never created, or already gone
  }
}

/** Runs `write(tmp)` and renames `tmp` over `target`; on any error removes `tmp` and rethrows. */
export function replaceFileSync(target: string, write: (tmp: string) => void): void {
  const tmp = tempPathBeside(target);
  try {
    write(tmp);
    renameSync(tmp, target);
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}

/** Same as {@link replaceFileSync} for an asynchronous writer. */
export async function replaceFile(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempPathBeside(target);
  try {
    await write(tmp);
    renameSync(tmp, target);
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}
