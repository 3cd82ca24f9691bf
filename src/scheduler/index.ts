/**
 * The scheduler: the public face of src/scheduler. Nodes pull work: they lease a task, heartbeat
 * while they work on it, stream its log, upload its artifacts, and complete, fail or refuse it.
 * Every function takes the explicit context first; times come from ctx.now().
 *
 * Terminology:
 * - task state: blocked (waits for tasks it depends on) → queued → leased → succeeded | failed |
 *   cancelled; failed and cancelled tasks may be retried. `transitionTask` is the only way a task
 *   changes state (see transitions.ts for the machine, docs/architecture.md for who moves each
 *   edge).
 * - lease: a node's claim on a task until lease_expires_at = now + settings.leaseMs; a heartbeat
 *   extends it; only the leaseholder (`leased_by`) may log, upload, complete, fail or refuse.
 *   Anyone else gets `lease_lost` (409).
 * - expiry: a lease not extended in time returns the task to the queue with attempt + 1; past
 *   max_attempts the task fails ("lease expired N times (last node NAME)").
 * - attempt: the number of the current try, starting at 1 when the task is created; only expiry
 *   raises it (a refusal does not; a retry starts again at 1).
 * - arch routing: a node gets tasks of the arches it serves; `noarch` and `src` (srpm) tasks go to
 *   any node.
 * - fairness: among tasks of equal priority, the owner with the fewest leased tasks goes first.
 * - refusal: a node declines a leased task; it is queued again and never offered to that node.
 * - event: a row in task_events recording a state change or scheduling decision and why.
 * - waiting (long-poll): a node may ask for a task and wait for one to be queued instead of
 *   polling (QueueWatcher wakes one waiting node per queued task it can take).
 */
export { ANY_NODE_ARCHES, leaseTask, leaseTaskForNode, nodeCapacity, type LeaseGrant, type LeaseSource, type LeasingNode, type NodeGrant } from './lease.ts';
export { leaseForNode, type NodeGrants } from './lease-at-once.ts';
export { completeTask, failTask, heartbeat, holdLease, refuseTask, type CompleteOptions, type HeldTask } from './leaseholder.ts';
export { expireLeases, startLeaseReaper } from './expiry.ts';
export { assertTaskTransition, canTransition, FINAL_TASK_STATES, TASK_TRANSITIONS, transitionTask, transitionTasks, type TransitionOptions } from './transitions.ts';
export { cancelDependents, enqueueReadyTasks, queueReadyDependents } from './dependencies.ts';
export { cancelTask, retryTask } from './control.ts';
export { markBuildStarted, refreshBuildState, refreshesAfterCommit, settleBuilds, withBuildRefresh } from './build-state.ts';
export { recordTaskEvents, taskEvents, type TaskEvent, type TaskEventInput } from './events.ts';
export { appendLog, ARTIFACT_KINDS, checkArtifactName, recordArtifact, taskArtifacts, taskLog, type ArtifactInput } from './artifacts.ts';
export { asciiLower, isRpmKind, packageSearchKey, rpmIndexRow, type RpmPackageRow, type RpmSource } from './rpm-index.ts';
export { helloNode, markNodeSeen, MAX_LEASE_WAIT_SECONDS, nodeArches, noteNodeSeen, SEEN_EVERY_MS, servedArches, servedCapabilities, type HelloOutcome, type NodeOffer } from './nodes.ts';
export { queueView, staleAfterMs, type CurrentTask, type QueueRow, type QueueView } from './queue.ts';
export { artifactUrl, describeGrant, describeLease, type LeaseDecorator, type LeasedArtifact, type LeasedTask } from './lease-details.ts';
export { BadArtifactError, BadArtifactNameError, IllegalTransitionError, LeaseLostError, NotGrantedError } from './errors.ts';
export { inTransaction } from './transaction.ts';
export { blockedTask, type NewTaskFields } from './new-task.ts';
export { ofBuild, type BuildTask } from './build-task.ts';
export { QueueWatcher, type WaitOutcome } from './queue-watcher.ts';
