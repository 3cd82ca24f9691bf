/**
 * Names of things that may end up in paths, URLs and file names (platforms, nodes, users,
 * repositories): letters, digits, `.`, `_` and `-`; never `/`, never `..`, never a leading `.` or
 * `-`, at most 64 characters. Checked wherever a name comes in, so a name can never escape a
 * directory or be mistaken for an option.
 */
import { InvalidNameError } from './errors.ts';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
export const MAX_NAME_LENGTH = 64;

/** Why `value` is not a valid name, or null when it is. */
export function nameProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return 'must be a non-empty string';
  if (value.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  if (value.includes('/') || value.includes('\\')) return `"${value}" must not contain a path separator`;
  if (value.includes('..')) return `"${value}" must not contain ".."`;
  if (!NAME.test(value)) return `"${value}" may only contain letters, digits, ".", "_" and "-" and must not start with "." or "-"`;
  return null;
}

/**
 * Returns `value` when it is a valid name.
 * @param what what the name is of, for the message: "platform name", "node name", …
 * @throws InvalidNameError
 */
export function checkName(what: string, value: unknown): string {
  const problem = nameProblem(value);
  if (problem) throw new InvalidNameError(`invalid ${what}: ${problem}`);
  return value as string;
}
