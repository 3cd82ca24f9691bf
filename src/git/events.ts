/**
 * Turning upstream events into builds: each pending event (a new or moved ref a rule matched) is
 * claimed (pending → submitting, a conditional UPDATE, so two processes never both build it;
 * event-claims.ts: a dead master's claim lapses and the event is taken over),
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
import { claimableEvents, claimEvent, earlierBuild, eventHoldMs, renewEventClaim, SERVICE_USER } from './event-claims.ts';
import { gitDb } from './schema.ts';

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

/**
 * Builds one claimed event; records the build or the failure on it. An event taken over from a
 * dead master records the build that master had submitted, if any, instead of submitting another.
 */
async function buildEvent(ctx: Context, eventId: number, takenOver: boolean): Promise<void> {
  const db = gitDb(ctx);
  const ev = await db
    .selectFrom('git_events')
    .innerJoin('git_mirrors', 'git_mirrors.id', 'git_events.mirror_id')
    .innerJoin('git_rules', 'git_rules.id', 'git_events.rule_id')
    .selectAll('git_rules')
    .select(['git_events.ref as ev_ref', 'git_events.new_commit as ev_commit', 'git_events.at as ev_at', 'git_mirrors.name as mirror'])
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
    const earlier = takenOver
      ? await earlierBuild(ctx, { path: `/git/${ours ? 'ours/' : ''}${ev.mirror}.git`, ref: ours ? `refs/tags/${ours.tag}` : ev.ev_ref, commit: ours?.commit ?? ev.ev_commit, since: ev.ev_at })
      : null;
    if (earlier !== null) ctx.log.info({ eventId, buildId: earlier }, 'git event taken over: the build its master had submitted is recorded');
    const buildId = earlier ?? (await submitBuild(ctx, await serviceUserId(ctx), { platforms: rule.platforms, sources: [{ git: source }], public: true }));
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

/** Builds every pending event (and those a dead master left), oldest first; returns how many were handled. */
export async function processPendingEvents(ctx: Context): Promise<number> {
  let handled = 0;
  for (const { id, status } of await claimableEvents(ctx, 100)) {
    if (!(await claimEvent(ctx, id))) continue;
    await whileClaimed(eventHoldMs(ctx), () => renewEventClaim(ctx, id), () => buildEvent(ctx, id, status === 'submitting'));
    handled += 1;
  }
  return handled;
}

export { SERVICE_USER };
