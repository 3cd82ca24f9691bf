/**
 * Errors of the scheduler. Each has a stable code and an HTTP status; every one is raised before
 * anything is written, so a rejected call changes nothing.
 */
import { DistforgeError } from '../errors.ts';
import type { TaskState } from '../db/schema.ts';
import { quoteFileName } from '../util/file-name.ts';

/** The node does not hold the task's lease (it expired, was cancelled, or belongs to another node). */
export class LeaseLostError extends DistforgeError {
  constructor(taskId: number, nodeId: number, why: string) {
    super('lease_lost', `node ${nodeId} does not hold the lease of task ${taskId}: ${why}`, { status: 409 });
  }
}

/** A task state change its state machine does not allow. */
export class IllegalTransitionError extends DistforgeError {
  constructor(taskId: number | null, from: TaskState, to: TaskState) {
    const which = taskId === null ? 'a task' : `task ${taskId}`;
    super('illegal_transition', `${which} cannot move from ${from} to ${to}`, { status: 409 });
  }
}

/** An artifact name that is not a plain file name. */
export class BadArtifactNameError extends DistforgeError {
  constructor(name: string, why: string) {
    super('bad_name', `bad artifact name ${quoteFileName(name)}: ${why}`, { status: 400 });
  }
}

/** An uploaded artifact whose content does not match its kind (not an RPM, a binary RPM as srpm, …). */
export class BadArtifactError extends DistforgeError {
  constructor(message: string, cause?: unknown) {
    super('bad_artifact', message, { status: 422, cause });
  }
}

/** A node's hello asks only for capabilities the admin did not grant it: it could do nothing. */
export class NotGrantedError extends DistforgeError {
  constructor(node: string, asked: readonly string[], granted: readonly string[]) {
    const what = asked.length === 0 ? 'no capability' : `capabilities ${asked.join(', ')}`;
    super('not_granted', `node ${node} advertises ${what}, but an admin granted it only ${granted.join(', ') || 'nothing'}; only an admin grants more (PATCH /api/v1/nodes/${node})`, { status: 403 });
  }
}
