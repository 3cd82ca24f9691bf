/** What a signer's lease carries beyond the packages (its dependencies): the key to sign with
 * (for sign and sign-repo tasks). */
import type { Context } from '../context.ts';
import type { Task } from '../db/schema.ts';
import { signingDb } from './schema.ts';

export interface SignLease {
  keyid: string;
  fingerprint: string;
  /** Another signer registered this key (so the one leasing may refuse the task and leave it to that one). */
  heldElsewhere: boolean;
}

/** For a sign or sign-repo task: the key (null for any other task, or when the request is gone). */
export async function signLease(ctx: Context, task: Pick<Task, 'id' | 'kind' | 'leased_by'>): Promise<SignLease | null> {
  if (task.kind !== 'sign' && task.kind !== 'sign-repo') return null;
  const row = await signingDb(ctx).selectFrom('sign_requests as r').innerJoin('signing_keys as k', 'k.keyid', 'r.keyid').select(['k.keyid', 'k.fingerprint', 'k.node_id']).where('r.task_id', '=', task.id).executeTakeFirst();
  if (!row) return null;
  return { keyid: row.keyid, fingerprint: row.fingerprint, heldElsewhere: row.node_id !== null && row.node_id !== task.leased_by };
}
