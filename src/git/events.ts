/**
 * Turning upstream events into builds: each pending event (a new or moved ref a rule matched) is
 * claimed (pending → submitting, a conditional UPDATE, so two processes never both build it; the
 * claim lasts one lease length, renewed while the event is built, and a `submitting` event whose
 * claim lapsed, its master dead, is taken over, recording the build that master had submitted if any),
 * autopatched when its rule says so, and submitted as a build owned by the system user
 * `git-service` from our own smart-HTTP URL (PUBLIC_URL/git/NAME.git, or /git/ours/NAME.git for
 * autopatched refs: nodes may be remote). The event records the build, or why there is none.
 */
import { submitBuild } from '../builds/submit.ts';
import type { Context } from '../context.ts';
import { AlreadyExistsError } from '../platforms/errors.ts';
import { createUser, findUser } from '../auth/users.ts';
import { autopatchRef } from './autopatch-step.ts';
import { ensureMirror, ensureOurs, saveOurs } from './local-copies.ts';
import { ruleFromRow } from './rule-store.ts';
import { whileClaimed } from '../db/cluster-lock.ts';
import { gitDb } from './schema.ts';

/** The user that owns the builds the git service starts. */
export const SERVICE_USER = 'git-service';

async function serviceUserId(ctx: Context): Promise<number> {
  const existing = await findUser(ctx, SERVICE_USER);
  if (existing) return existing.id;
  try {
    return (await createUser(ctx, SERVICE_USER, 'maintainer')).id;
  } catch (e) {
    if (!(e instanceof AlreadyExistsError)) throw e;
    return (await findUser(ctx, SERVICE_USER))?.id ?? 0;
  }
}

/** How long a master's claim on an event lasts without renewal (one lease length). */
function holdMs(ctx: Context): number {
  return ctx.settings.leaseMs;
}

/** Claims a pending event, or a `submitting` one whose claim lapsed (its master died). */
async function claimEvent(ctx: Context, id: number): Promise<boolean> {
  const now = ctx.now();
  const r = await gitDb(ctx)
    .updateTable('git_events')
    .set({ status: 'submitting', claimed_until: now + holdMs(ctx) })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'submitting'), eb('claimed_until', '<', now)])]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * The build a master that died after submitting (before recording it) made for the event: a
 * build of the git service, made since the event, from the mirror's ref at the event's commit.
 */
async function buildAlreadySubmitted(ctx: Context, eventId: number): Promise<number | null> {
  const ev = await gitDb(ctx).selectFrom('git_events as e').innerJoin('git_mirrors as m', 'm.id', 'e.mirror_id').select(['e.ref', 'e.new_commit', 'e.at', 'm.name']).where('e.id', '=', eventId).executeTakeFirst();
  const owner = await findUser(ctx, SERVICE_USER);
  if (!ev || !owner) return null;
  const row = await gitDb(ctx)
    .selectFrom('build_items as i')
    .innerJoin('builds as b', 'b.id', 'i.build_id')
    .select('b.id')
    .where('b.owner_id', '=', owner.id)
    .where('b.created_at', '>=', ev.at)
    .where('i.git_ref', '=', ev.ref)
    .where('i.git_commit', '=', ev.new_commit)
    .where('i.git_url', 'like', `%/git/${ev.name}.git`)
    .orderBy('b.id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Builds one claimed event; records the build or the failure on it. */
async function buildEvent(ctx: Context, eventId: number): Promise<void> {
  const db = gitDb(ctx);
  const ev = await db
    .selectFrom('git_events')
    .innerJoin('git_mirrors', 'git_mirrors.id', 'git_events.mirror_id')
    .innerJoin('git_rules', 'git_rules.id', 'git_events.rule_id')
    .selectAll('git_rules')
    .select(['git_events.ref as ev_ref', 'git_mirrors.name as mirror'])
    .where('git_events.id', '=', eventId)
    .executeTakeFirst();
  if (!ev) {
    await db.updateTable('git_events').set({ status: 'failed', message: 'its rule was deleted' }).where('id', '=', eventId).execute();
    return;
  }
  const rule = ruleFromRow(ev);
  const base = ctx.settings.publicUrl;
  try {
    let source = `${base}/git/${ev.mirror}.git#${ev.ev_ref}`;
    let ours: { tag: string; commit: string } | null = null;
    if (rule.autopatch) {
      // This master's copies first: the mirror, and ours as the last import left it (local-copies.ts).
      await ensureMirror(ctx, ev.mirror);
      await ensureOurs(ctx, ev.mirror);
      ours = await autopatchRef(ctx.settings.dataDir, ev.mirror, ev.ev_ref, rule.autopatch);
      await saveOurs(ctx, ev.mirror);
      source = `${base}/git/ours/${ev.mirror}.git#refs/tags/${ours.tag}`;
    }
    const buildId = await submitBuild(ctx, await serviceUserId(ctx), { platforms: rule.platforms, sources: [{ git: source }], public: true });
    await db
      .updateTable('git_events')
      .set({ status: 'submitted', build_id: buildId, message: null, our_ref: ours ? `refs/tags/${ours.tag}` : null, our_commit: ours?.commit ?? null })
      .where('id', '=', eventId)
      .execute();
    ctx.log.info({ mirror: ev.mirror, ref: ev.ev_ref, rule: rule.name, buildId }, 'git event built');
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await db.updateTable('git_events').set({ status: 'failed', message }).where('id', '=', eventId).execute();
    ctx.log.warn({ mirror: ev.mirror, ref: ev.ev_ref, rule: rule.name, err: message }, 'git event could not be built');
  }
}

/** Builds every pending event, oldest first; returns how many were handled. */
export async function processPendingEvents(ctx: Context): Promise<number> {
  const now = ctx.now();
  const pending = await gitDb(ctx)
    .selectFrom('git_events')
    .select(['id', 'status'])
    .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'submitting'), eb('claimed_until', '<', now)])]))
    .orderBy('id')
    .limit(100)
    .execute();
  let handled = 0;
  for (const { id, status } of pending) {
    if (!(await claimEvent(ctx, id))) continue;
    const renew = () => gitDb(ctx).updateTable('git_events').set({ claimed_until: ctx.now() + holdMs(ctx) }).where('id', '=', id).where('status', '=', 'submitting').execute();
    const earlier = status === 'submitting' ? await buildAlreadySubmitted(ctx, id) : null;
    if (earlier !== null) {
      await gitDb(ctx).updateTable('git_events').set({ status: 'submitted', build_id: earlier, message: null }).where('id', '=', id).execute();
      ctx.log.info({ eventId: id, buildId: earlier }, 'git event taken over: its build had been submitted');
    } else {
      await whileClaimed(holdMs(ctx), renew, () => buildEvent(ctx, id));
    }
    handled += 1;
  }
  return handled;
}
