/**
 * Tasks belong to a build (and one of its items), except a release's sign-repo task, which has
 * neither. Code of the builds domain narrows a task it reads to a build's task with `ofBuild`.
 */
import type { Task } from '../db/schema.ts';

/** A task of a build: every kind but a release's sign-repo task. */
export type BuildTask = Task & { build_id: number; item_id: number };

/**
 * `t` as a build's task.
 * @throws Error for a release's task (a bug: the caller only reads a build's tasks)
 */
export function ofBuild<T extends { id: number; build_id: number | null; item_id: number | null }>(t: T): T & { build_id: number; item_id: number } {
  if (t.build_id === null || t.item_id === null) throw new Error(`task ${t.id} belongs to no build`);
  return t as T & { build_id: number; item_id: number };
}
