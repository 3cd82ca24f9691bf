/** What a signer's lease carries beyond the packages (its dependencies): the key to sign with
 * (for sign and sign-repo tasks), and for a sign task the first heads of its packages, so that a
 * small task needs no request for them. */
import type { Context } from '../context.ts';
import type { Task } from '../db/schema.ts';
import { packageHeads } from './compose.ts';
import { signingDb } from './schema.ts';

export interface SignLease {
  keyid: string;
  fingerprint: string;
  /** Another signer registered this key (so the one leasing may refuse the task and leave it to that one). */
  heldElsewhere: boolean;
  /** A sign task's first package heads (base64), as GET /node/tasks/:id/package-heads answers; absent when they could not be read (that request says why). */
  heads?: { packages: { name: string; kind: string; sha256: string; head: string }[]; next: number | null };
}

/** Heads a lease carries, at most (bytes; the rest are asked for). */
const LEASE_HEADS_BYTES = 1024 * 1024;

/** For a sign or sign-repo task: the key (null for any other task, or when the request is gone). */
export async function signLease(ctx: Context, task: Pick<Task, 'id' | 'kind' | 'leased_by'>): Promise<SignLease | null> {
  if (task.kind !== 'sign' && task.kind !== 'sign-repo') return null;
  const row = await signingDb(ctx).selectFrom('sign_requests as r').innerJoin('signing_keys as k', 'k.keyid', 'r.keyid').select(['k.keyid', 'k.fingerprint', 'k.node_id']).where('r.task_id', '=', task.id).executeTakeFirst();
  if (!row) return null;
  const heldElsewhere = row.node_id !== null && row.node_id !== task.leased_by;
  const lease: SignLease = { keyid: row.keyid, fingerprint: row.fingerprint, heldElsewhere };
  if (task.kind !== 'sign' || heldElsewhere) return lease;
  try {
    const heads = await packageHeads(ctx, task, 0, LEASE_HEADS_BYTES);
    lease.heads = { packages: heads.packages.map((p) => ({ ...p, head: p.head.toString('base64') })), next: heads.next };
  } catch (e) {
    ctx.log.warn({ taskId: task.id, err: e }, 'the heads of a sign task\'s packages cannot be read for its lease');
  }
  return lease;
}
