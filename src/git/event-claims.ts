/**
 * Which master builds a git event (docs/scale-out.md): a claim (pending → submitting) held for one
 * lease length and renewed while the event is built; a `submitting` event whose claim lapsed (its
 * master died) is claimed again. The master that takes one over first looks for the build the
 * dead master may have submitted before it could record it, so an event never makes two builds.
 */
import type { Context } from '../context.ts';
import { findUser } from '../auth/users.ts';
import { gitDb } from './schema.ts';

/** The user that owns the builds the git service starts. */
export const SERVICE_USER = 'git-service';

/** How long a master's claim on an event lasts without renewal (one lease length). */
export function eventHoldMs(ctx: Context): number {
  return ctx.settings.leaseMs;
}

/** Events to build, oldest first: pending ones, and `submitting` ones whose claim lapsed. */
export async function claimableEvents(ctx: Context, limit: number): Promise<{ id: number; status: string }[]> {
  const now = ctx.now();
  return gitDb(ctx)
    .selectFrom('git_events')
    .select(['id', 'status'])
    .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'submitting'), eb('claimed_until', '<', now)])]))
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Claims an event that {@link claimableEvents} listed; false when another master was first. */
export async function claimEvent(ctx: Context, id: number): Promise<boolean> {
  const now = ctx.now();
  const r = await gitDb(ctx)
    .updateTable('git_events')
    .set({ status: 'submitting', claimed_until: now + eventHoldMs(ctx) })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'submitting'), eb('claimed_until', '<', now)])]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Extends this master's claim on an event it is building. */
export async function renewEventClaim(ctx: Context, id: number): Promise<void> {
  await gitDb(ctx).updateTable('git_events').set({ claimed_until: ctx.now() + eventHoldMs(ctx) }).where('id', '=', id).where('status', '=', 'submitting').execute();
}

/**
 * A build of the git service made since `since` from the repository served at `path`
 * (`/git/NAME.git`, `/git/ours/NAME.git`, on whichever master's URL) at `ref` and `commit`:
 * what a master that died before recording it had submitted. Null when there is none.
 */
export async function earlierBuild(ctx: Context, o: { path: string; ref: string; commit: string; since: number }): Promise<number | null> {
  const owner = await findUser(ctx, SERVICE_USER);
  if (!owner) return null;
  const row = await gitDb(ctx)
    .selectFrom('build_items as i')
    .innerJoin('builds as b', 'b.id', 'i.build_id')
    .select(['b.id', 'i.git_url'])
    .where('b.owner_id', '=', owner.id)
    .where('b.created_at', '>=', o.since)
    .where('i.git_ref', '=', o.ref)
    .where('i.git_commit', '=', o.commit)
    .orderBy('b.id')
    .execute();
  return row.find((r) => r.git_url?.endsWith(o.path))?.id ?? null;
}
