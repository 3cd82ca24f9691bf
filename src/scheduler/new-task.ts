/** A new task row, blocked until its dependencies are met (enqueueReadyTasks queues it). */
import type { NewTask, TaskKind } from '../db/schema.ts';

export interface NewTaskFields {
  /** The build and item; null for a release's task. */
  buildId: number | null;
  itemId: number | null;
  /** A release's task: the release. */
  releaseId?: number;
  kind: TaskKind;
  platform: string;
  arch: string;
  priority: number;
  ownerId: number;
  maxAttempts: number;
  now: number;
}

export function blockedTask(f: NewTaskFields): NewTask {
  return {
    build_id: f.buildId,
    item_id: f.itemId,
    release_id: f.releaseId ?? null,
    kind: f.kind,
    platform: f.platform,
    arch: f.arch,
    state: 'blocked',
    priority: f.priority,
    owner_id: f.ownerId,
    leased_by: null,
    lease_expires_at: null,
    attempt: 1,
    max_attempts: f.maxAttempts,
    created_at: f.now,
    queued_at: null,
    started_at: null,
    finished_at: null,
    failure_reason: null,
    result: null,
  };
}

/**
 * A new task row that has failed before it could run (a package on a dependency cycle: nothing
 * can be built first). A retry queues it like any failed task.
 */
export function failedTask(f: NewTaskFields, reason: string): NewTask {
  return { ...blockedTask(f), state: 'failed', finished_at: f.now, failure_reason: reason };
}
