/**
 * The advisory state machine. `moveAdvisory` is the only code that changes an advisory's state
 * (edits that send an approved advisory back to draft are in write.ts): it rejects a move the
 * machine does not have (409 `illegal_transition`) and applies each one with a guard on the
 * state it expects, inside a transaction with the row locked (FOR UPDATE on PostgreSQL).
 *
 * ```
 * draft ──approve (admin)──▶ approved ──markReleased (release system)──▶ released
 *   ▲                          │  │  ◀──markUnreleased (release reverted)──┘ │
 *   └──────edit (maintainer)───┘  └──retract (admin)──▶ retracted ◀──retract (admin)
 * ```
 */
import type { Context } from '../context.ts';
import type { AdvisoriesTable } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { hasRowLocks, inTransaction } from '../scheduler/transaction.ts';
import { IllegalAdvisoryTransitionError } from './errors.ts';
import type { AdvisoryState } from './types.ts';

/** The moves of the machine, each from the states it may start in (approved → draft is an edit's, write.ts). */
const MOVES = {
  approve: { from: ['draft'], to: 'approved' },
  release: { from: ['approved'], to: 'released' },
  unrelease: { from: ['released'], to: 'approved' },
  retract: { from: ['approved', 'released'], to: 'retracted' },
} as const satisfies Record<string, { from: readonly AdvisoryState[]; to: AdvisoryState }>;

export type AdvisoryMove = keyof typeof MOVES;

/** The advisory's row, locked until the transaction ends (PostgreSQL). @throws NotFoundError */
export async function lockAdvisory(tx: Context, id: string): Promise<AdvisoriesTable> {
  let q = tx.db.kysely.selectFrom('advisories').selectAll().where('id', '=', id);
  if (hasRowLocks(tx)) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new NotFoundError(`no advisory ${id}`);
  return row;
}

/** The columns a move sets besides the state. */
type MoveColumns = Partial<Pick<AdvisoriesTable, 'approved_by' | 'approved_at' | 'issued_at' | 'updated_at' | 'retracted_by' | 'retracted_at' | 'retraction_reason' | 'release_id'>>;

/**
 * Makes `move` on advisory `id`, setting `columns`, inside the caller's transaction (or its own).
 * @returns the state it was in.
 * @throws NotFoundError, IllegalAdvisoryTransitionError (409)
 */
export async function moveAdvisory(ctx: Context, id: string, move: AdvisoryMove, columns: MoveColumns, at: number): Promise<AdvisoryState> {
  const { from: allowed, to } = MOVES[move];
  return inTransaction(ctx, async (tx) => {
    const row = await lockAdvisory(tx, id);
    const from = row.state as AdvisoryState;
    if (!(allowed as readonly AdvisoryState[]).includes(from)) throw new IllegalAdvisoryTransitionError(id, from, to, why(from, to));
    const moved = await tx.db.kysely
      .updateTable('advisories')
      .set({ ...columns, state: to, modified_at: at })
      .where('id', '=', id)
      .where('state', '=', from)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw new IllegalAdvisoryTransitionError(id, from, to, 'it changed meanwhile');
    return from;
  });
}

/** What a refused move needs instead. */
function why(from: AdvisoryState, to: AdvisoryState): string | undefined {
  if (to === 'retracted' && from === 'draft') return 'delete a draft instead';
  if (to === 'released') return 'only an approved advisory is released';
  if (to === 'approved' && from === 'approved') return 'it is approved already';
  return undefined;
}

/** draft → approved, by an admin. */
export async function approveAdvisory(ctx: Context, id: string, userId: number): Promise<void> {
  const now = ctx.now();
  await moveAdvisory(ctx, id, 'approve', { approved_by: userId, approved_at: now }, now);
  ctx.log.info({ advisory: id, by: userId }, 'advisory approved');
}

/** approved | released → retracted, by an admin, with an optional reason. */
export async function retractAdvisory(ctx: Context, id: string, userId: number, reason: string | null): Promise<void> {
  const now = ctx.now();
  await moveAdvisory(ctx, id, 'retract', { retracted_by: userId, retracted_at: now, retraction_reason: reason }, now);
  ctx.log.info({ advisory: id, by: userId }, 'advisory retracted');
}

/**
 * The release system, inside the transaction that publishes a release: approved advisories become
 * released (issued and updated at `at`, default now; `release_id` the release); ones already
 * released are left as they are (a later repository version carries them again).
 * @returns the ids that became released.
 * @throws NotFoundError, IllegalAdvisoryTransitionError (any other state: a draft, one edited
 * since the plan was checked, a retracted one): the caller's transaction then rolls back whole.
 */
export async function markReleased(tx: Context, ids: readonly string[], release: { releaseId: number; at?: number }): Promise<string[]> {
  const { releaseId } = release;
  const at = release.at ?? tx.now();
  const out: string[] = [];
  await inTransaction(tx, async (t) => {
    for (const id of ids) {
      const row = await lockAdvisory(t, id);
      if (row.state === 'released') continue;
      await moveAdvisory(t, id, 'release', { issued_at: row.issued_at ?? at, updated_at: at, release_id: releaseId }, at);
      out.push(id);
    }
  });
  if (out.length > 0) tx.log.info({ advisories: out, releaseId }, 'advisories released');
  return out;
}

/**
 * The release system, inside the transaction that reverts release `releaseId`: advisories that
 * release first published become approved again (not issued, not public; the next release that
 * carries them issues them anew). Others are left as they are: released by an earlier release
 * (the restored repository versions still carry them), retracted (a retraction stands), or not
 * released at all.
 * @returns the ids that became approved again.
 * @throws NotFoundError
 */
export async function markUnreleased(tx: Context, ids: readonly string[], releaseId: number): Promise<string[]> {
  const out: string[] = [];
  await inTransaction(tx, async (t) => {
    const at = t.now();
    for (const id of ids) {
      const row = await lockAdvisory(t, id);
      if (row.state !== 'released' || row.release_id !== releaseId) continue;
      await moveAdvisory(t, id, 'unrelease', { issued_at: null, updated_at: null, release_id: null }, at);
      out.push(id);
    }
  });
  if (out.length > 0) tx.log.info({ advisories: out, releaseId }, 'advisories unreleased: their release was reverted');
  return out;
}
