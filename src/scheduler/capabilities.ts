/**
 * Which tasks a node may lease, by what it can do: a `build` node builds SRPMs and RPMs, a `test`
 * node installs and tests built packages, a `sign` node (the sign server) signs them and their repositories' metadata. A node
 * serving several capabilities takes each kind of task.
 */
import type { TaskKind } from '../db/schema.ts';

export const TASK_KINDS_BY_CAPABILITY: Readonly<Record<string, readonly TaskKind[]>> = {
  build: ['srpm', 'rpm'],
  test: ['test'],
  sign: ['sign', 'sign-repo'],
};

/** The task kinds a node with `capabilities` takes (none for a node without any known capability). */
export function taskKindsFor(capabilities: readonly string[]): TaskKind[] {
  const kinds = new Set<TaskKind>();
  for (const c of capabilities) for (const k of TASK_KINDS_BY_CAPABILITY[c] ?? []) kinds.add(k);
  return [...kinds];
}

/** The strings of a JSON array column ([] when it is not a JSON array; non-strings are dropped). */
export function parseStringList(text: string | null | undefined): string[] {
  try {
    const v: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}

/** The capabilities a node row lists ([] when the column is not a JSON array of strings). */
export function parseCapabilities(text: string | null | undefined): string[] {
  return parseStringList(text);
}
