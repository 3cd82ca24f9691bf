/** What a signer's lease carries beyond the packages (its dependencies): the key to sign with
 * (for sign and sign-repo tasks). */
import type { Context } from '../context.ts';
import type { Task } from '../db/schema.ts';
import { signingDb } from './schema.ts';

export interface SignLease {
  keyid: string;
  fingerprint: string;
}

/** For a sign or sign-repo task: the key (null for any other task, or when the request is gone). */
export async function signLease(ctx: Context, task: Pick<Task, 'id' | 'kind'>): Promise<SignLease | null> {
  if (task.kind !== 'sign' && task.kind !== 'sign-repo') return null;
  const row = await signingDb(ctx).selectFrom('sign_requests as r').innerJoin('signing_keys as k', 'k.keyid', 'r.keyid').select(['k.keyid', 'k.fingerprint']).where('r.task_id', '=', task.id).executeTakeFirst();
  return row ?? null;
}
