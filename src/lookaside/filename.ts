/**
 * Source file names, as dist-git `sources` files, `.NAME.metadata` files and uploads give them: a
 * plain file name, never a path that could leave the directory it is written into.
 */
import { DistforgeError } from '../errors.ts';
import { plainFileNameProblem, quoteFileName } from '../util/file-name.ts';

/** A file name that could escape its directory or is not a file name at all: 400 `bad_filename`. */
export class BadFileNameError extends DistforgeError {
  constructor(message: string) {
    super('bad_filename', message, { status: 400 });
  }
}

/** Why `name` is not a safe plain file name (src/util/file-name.ts), or null. */
export function fileNameProblem(name: string): string | null {
  const problem = plainFileNameProblem(name);
  return problem === null ? null : `${quoteFileName(name)} ${problem}`;
}

/** @throws BadFileNameError unless `name` is a plain file name. */
export function checkFileName(name: string): string {
  const problem = fileNameProblem(name);
  if (problem) throw new BadFileNameError(problem);
  return name;
}
