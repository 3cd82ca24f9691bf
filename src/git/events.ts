/**
 * Turning upstream events into builds: each pending event (a new or moved ref a rule matched) is
 * claimed (pending → submitting, a conditional UPDATE, so two processes never both build it),
 * autopatched when its rule says so, and submitted as a build owned by the system user
 * `git-service` from our own smart-HTTP URL (PUBLIC_URL/git/NAME.git, or /git/ours/NAME.git for
 * autopatched refs: nodes may be remote). The event records the build, or why there is none.
 */
import { submitBuild } from '../builds/submit.ts';
import type { Context } from '../context.ts';
import { AlreadyExistsError } from '../platforms/errors.ts';
import { createUser, findUser } from '../auth/users.ts';
import { autopatchRef } from './autopatch-step.ts';
import { ruleFromRow } from './rule-store.ts';
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

async function claimEvent(ctx: Context, id: number): Promise<boolean> {
  const r = await gitDb(ctx).updateTable('git_events').set({ status: 'submitting' }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
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
      ours = await autopatchRef(ctx.settings.dataDir, ev.mirror, ev.ev_ref, rule.autopatch);
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
  const pending = await gitDb(ctx).selectFrom('git_events').select('id').where('status', '=', 'pending').orderBy('id').limit(100).execute();
  let handled = 0;
  for (const { id } of pending) {
    if (!(await claimEvent(ctx, id))) continue;
    await buildEvent(ctx, id);
    handled += 1;
  }
  return handled;
}
