/**
 * Source file names, as dist-git `sources` files, `.NAME.metadata` files and uploads give them: a
 * plain file name, never a path that could leave the directory it is written into.
 */
import { DistforgeError } from '../errors.ts';

/** A file name that could escape its directory or is not a file name at all: 400 `bad_filename`. */
export class BadFileNameError extends DistforgeError {
  constructor(message: string) {
    super('bad_filename', message, { status: 400 });
  }
}

/** Why `name` is not a safe plain file name, or null. */
export function fileNameProblem(name: string): string | null {
  if (name === '' || name === '.' || name === '..') return `${JSON.stringify(name)} is not a file name`;
  if (name.includes('/') || name.includes('\\')) return `${JSON.stringify(name)} is a path, not a file name (path traversal refused)`;
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return `${JSON.stringify(name)} holds control characters`;
  if (Buffer.byteLength(name) > 255) return `a file name of ${Buffer.byteLength(name)} bytes (at most 255)`;
  return null;
}

/** @throws BadFileNameError unless `name` is a plain file name. */
export function checkFileName(name: string): string {
  const problem = fileNameProblem(name);
  if (problem) throw new BadFileNameError(problem);
  return name;
}
