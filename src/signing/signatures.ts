/**
 * What a signer calls while it holds a sign task (the node API's signing routes): the heads of the
 * task's packages, and the new signature headers, which the master composes into signed packages
 * (compose.ts) and records as the task's artifacts — with `complete`, completing the task in the
 * same request (every package must then be signed: in this request or an earlier one). Only the
 * node holding the task's lease may do either (409 lease_lost otherwise); nothing is recorded for
 * a request refused.
 */
import type { Context } from '../context.ts';
import type { Task } from '../db/schema.ts';
import { DistforgeError } from '../errors.ts';
import { appendLog, completeTask, holdLease, inTransaction } from '../scheduler/index.ts';
import { recordComposed, recordSignatures, requestedKey, signTaskOriginals, verifySignatures } from './completion.ts';
import { composeSigned, packageHeads, type PackageHead } from './compose.ts';
import { BadSignatureError } from './errors.ts';

/** The sign task `taskId`, which `nodeId` must hold. @throws LeaseLostError, NotFoundError, DistforgeError (not a sign task) */
async function heldSignTask(ctx: Context, nodeId: number, taskId: number): Promise<Task> {
  const { task } = await holdLease(ctx, nodeId, taskId);
  if (task.kind !== 'sign') throw new DistforgeError('not_a_sign_task', `task ${taskId} is a ${task.kind} task: only a sign task has packages to sign`, { status: 400 });
  return task;
}

/** The heads of the packages of a sign task the node holds, from the `from`th on. */
export async function headsForSigner(ctx: Context, nodeId: number, taskId: number, from: number): Promise<{ packages: PackageHead[]; next: number | null }> {
  return packageHeads(ctx, await heldSignTask(ctx, nodeId, taskId), from);
}

/** What a signer sends: the key it signed with and each package's new signature header. */
export interface SignaturesBody {
  keyid: string;
  packages: { name: string; signatureHeader: Buffer }[];
  /** Complete the task too. */
  complete: boolean;
  /** A chunk of the task's log, appended first. */
  log?: { seq: number; text: string };
}

/**
 * Takes the signature headers of a sign task the node holds: composes, checks and stores each
 * signed package, records them; with `complete`, completes the task (recording every signature).
 * @throws BadSignatureError (422), LeaseLostError (409), NotFoundError
 */
export async function acceptSignatures(ctx: Context, nodeId: number, taskId: number, body: SignaturesBody): Promise<{ packages: { name: string; sha256: string; size: number }[]; completed: boolean }> {
  const task = await heldSignTask(ctx, nodeId, taskId);
  try {
    return await takeSignatures(ctx, nodeId, task, body);
  } catch (e) {
    // A refused request still leaves its log chunk (the signer's account of what it did).
    if (body.log && e instanceof BadSignatureError) await appendLog(ctx, nodeId, taskId, body.log.seq, body.log.text).catch(() => undefined);
    throw e;
  }
}

/** Appends a log chunk sent with the signatures, in the caller's transaction (a seq already there is kept). */
async function insertLog(tx: Context, taskId: number, log: { seq: number; text: string } | undefined): Promise<void> {
  if (!log) return;
  await tx.db.kysely.insertInto('task_logs').values({ task_id: taskId, seq: log.seq, at: tx.now(), chunk: log.text }).onConflict((oc) => oc.columns(['task_id', 'seq']).doNothing()).execute();
}

async function takeSignatures(ctx: Context, nodeId: number, task: Task, body: SignaturesBody): Promise<{ packages: { name: string; sha256: string; size: number }[]; completed: boolean }> {
  const key = await requestedKey(ctx, task, { allowed: true });
  if (body.keyid.toUpperCase() !== key.keyid) throw new BadSignatureError(`signed with key ${body.keyid}, but sign task ${task.id} asks for key ${key.keyid}`);
  const originals = await signTaskOriginals(ctx, task.id);
  const composed = await composeSigned(ctx, task, key, originals, body.packages);
  const packages = composed.map((c) => ({ name: c.name, sha256: c.sha256, size: c.size }));
  if (!body.complete) {
    await inTransaction(ctx, async (tx) => {
      const held = await holdLease(tx, nodeId, task.id);
      await insertLog(tx, task.id, body.log);
      await recordComposed(tx, held.task, composed);
    });
    return { packages, completed: false };
  }
  await completeTask(ctx, nodeId, task.id, { keyid: key.keyid, packages: packages.length }, {
    prepare: (c, t) => verifySignatures(c, t, composed, { key, originals }),
    onSucceeded: async (tx, t, prepared) => {
      await insertLog(tx, t.id, body.log);
      await recordSignatures(tx, t, prepared);
    },
  });
  return { packages, completed: true };
}
