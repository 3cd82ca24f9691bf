/**
 * One sync of one mirror: the upstream's refs (files of a local repository, else one
 * `git ls-remote`) compared with the recorded ones; only when they differ is the mirror fetched
 * and its refs read, and then the changes are recorded in one transaction: refs added, moved and
 * removed, one event per new or moved tag or branch head and matching rule ('ignored' when no rule
 * matches), the mirror's next poll. The first sync is the baseline: refs only, no events.
 *
 * One sync per mirror at a time (also across master replicas): a sync holds the mirror
 * (`sync_until`, `sync_by`) with a conditional UPDATE, for one lease length renewed while it runs;
 * a sync that finds it held asks for a poll right after. A master killed mid-sync gives the mirror
 * up one lease length later, and another master's poller syncs it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Context } from '../context.ts';
import { processName, whileClaimed } from '../db/cluster-lock.ts';
import type { ProcessCounter } from './git-cli.ts';
import { mirrorDir, mirrorRefs, updateMirror, type MirrorRef } from './mirror-repo.ts';
import { upstreamRefs } from './remote-refs.ts';
import { listRules, ruleMatches } from './rule-store.ts';
import { nextPollAt } from './schedule.ts';
import { gitDb, type GitDatabase, type MirrorRow } from './schema.ts';
import type { Rule, SyncResult, SyncVia } from './types.ts';

export interface SyncOptions {
  via: SyncVia;
  /** The service's poll interval (a mirror's own wins). */
  intervalS: number;
  counter?: ProcessCounter;
  /** Read local upstreams' refs from their files (default true; false: always git ls-remote). */
  readFiles?: boolean;
}

/**
 * How long a sync holds its mirror without renewing: one lease length. The hold is renewed while
 * the sync runs, so a master killed mid-sync gives the mirror up that long after it died.
 */
function holdMs(ctx: Context): number {
  return ctx.settings.leaseMs;
}

async function claimMirror(ctx: Context, row: MirrorRow, me: string): Promise<boolean> {
  const now = ctx.now();
  const r = await gitDb(ctx)
    .updateTable('git_mirrors')
    .set({ sync_until: now + holdMs(ctx), sync_by: me })
    .where('id', '=', row.id)
    .where((eb) => eb.or([eb('sync_until', 'is', null), eb('sync_until', '<', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Extends this process's hold on the mirror (while its sync runs). */
async function renewHold(ctx: Context, row: MirrorRow, me: string): Promise<void> {
  await gitDb(ctx).updateTable('git_mirrors').set({ sync_until: ctx.now() + holdMs(ctx) }).where('id', '=', row.id).where('sync_by', '=', me).where('sync_until', 'is not', null).execute();
}

async function recordedRefs(ctx: Context, mirrorId: number): Promise<Map<string, MirrorRef>> {
  const rows = await gitDb(ctx).selectFrom('git_mirror_refs').select(['name', 'target', 'commit']).where('mirror_id', '=', mirrorId).execute();
  return new Map(rows.map((r) => [r.name, { target: r.target, commit: r.commit }]));
}

function differs(upstream: Map<string, string>, recorded: Map<string, MirrorRef>): boolean {
  if (upstream.size !== recorded.size) return true;
  for (const [name, target] of upstream) if (recorded.get(name)?.target !== target) return true;
  return false;
}

function intervalOf(row: MirrorRow, o: SyncOptions): number {
  return row.poll_interval_s ?? o.intervalS;
}

async function recordFailure(ctx: Context, row: MirrorRow, o: SyncOptions, error: unknown): Promise<void> {
  const failures = row.failures + 1;
  const message = error instanceof Error ? error.message : String(error);
  await gitDb(ctx)
    .updateTable('git_mirrors')
    .set({ failures, last_error: message, sync_until: null, next_poll_at: nextPollAt(ctx.now(), intervalOf(row, o), failures) })
    .where('id', '=', row.id)
    .execute();
  ctx.log.warn({ mirror: row.name, failures, err: message }, 'git mirror sync failed');
}

const CHUNK = 200;

async function writeRefs(db: Kysely<GitDatabase>, mirrorId: number, refs: [string, MirrorRef][]): Promise<void> {
  for (let i = 0; i < refs.length; i += CHUNK) {
    const values = refs.slice(i, i + CHUNK).map(([name, r]) => ({ mirror_id: mirrorId, name, target: r.target, commit: r.commit }));
    await db
      .insertInto('git_mirror_refs')
      .values(values)
      .onConflict((oc) => oc.columns(['mirror_id', 'name']).doUpdateSet((eb) => ({ target: eb.ref('excluded.target'), commit: eb.ref('excluded.commit') })))
      .execute();
  }
}

interface Change {
  ref: string;
  old: string | null;
  commit: string;
}

/** Records the mirror's new refs and their events in one transaction. */
async function recordChanges(ctx: Context, row: MirrorRow, before: Map<string, MirrorRef>, after: Map<string, MirrorRef>, rules: Rule[], o: SyncOptions): Promise<SyncResult> {
  const baseline = row.synced_at === null;
  const written = [...after].filter(([name, r]) => before.get(name)?.target !== r.target || before.get(name)?.commit !== r.commit);
  const changes: Change[] = written
    .filter(([name, r]) => before.get(name)?.commit !== r.commit)
    .map(([ref, r]) => ({ ref, old: before.get(ref)?.commit ?? null, commit: r.commit }));
  const deleted = [...before.keys()].filter((name) => !after.has(name));
  const now = ctx.now();
  const result: SyncResult = { mirror: row.name, changed: true, baseline, events: [], deleted };
  await gitDb(ctx).transaction().execute(async (tx) => {
    for (let i = 0; i < deleted.length; i += CHUNK) {
      await tx.deleteFrom('git_mirror_refs').where('mirror_id', '=', row.id).where('name', 'in', deleted.slice(i, i + CHUNK)).execute();
    }
    await writeRefs(tx, row.id, written);
    for (const c of baseline ? [] : changes) {
      const matching = rules.filter((r) => ruleMatches(r, row.name, c.ref));
      for (const rule of matching.length > 0 ? matching : [null]) {
        const ev = await tx
          .insertInto('git_events')
          .values({ mirror_id: row.id, ref: c.ref, old_commit: c.old, new_commit: c.commit, via: o.via, at: now, rule_id: rule?.id ?? null, status: rule ? 'pending' : 'ignored', message: rule ? null : 'no rule matches this ref' })
          .returning('id')
          .executeTakeFirstOrThrow();
        result.events.push({ id: ev.id, ref: c.ref, commit: c.commit, rule: rule?.name ?? null });
      }
    }
    await tx
      .updateTable('git_mirrors')
      .set({ synced_at: now, failures: 0, last_error: null, sync_until: null, next_poll_at: nextPollAt(now, intervalOf(row, o), 0) })
      .where('id', '=', row.id)
      .execute();
  });
  ctx.log.info({ mirror: row.name, via: o.via, baseline, events: result.events.length, deleted: deleted.length }, 'git mirror synced');
  return result;
}

/**
 * Syncs one mirror; null when another sync holds it (a poll follows right after).
 * @throws GitUnreachableError (recorded on the mirror: failures, last error, backoff)
 */
export async function syncMirror(ctx: Context, row: MirrorRow, o: SyncOptions): Promise<SyncResult | null> {
  const me = processName();
  if (!(await claimMirror(ctx, row, me))) {
    await gitDb(ctx).updateTable('git_mirrors').set({ next_poll_at: ctx.now() }).where('id', '=', row.id).execute();
    return null;
  }
  return whileClaimed(holdMs(ctx), () => renewHold(ctx, row, me), () => syncClaimed(ctx, row, o));
}

/** The sync of a mirror this process holds. */
async function syncClaimed(ctx: Context, row: MirrorRow, o: SyncOptions): Promise<SyncResult> {
  const dataDir = ctx.settings.dataDir;
  try {
    const before = await recordedRefs(ctx, row.id);
    const upstream = await upstreamRefs(row.url, o.counter, o.readFiles ?? true);
    const present = existsSync(join(mirrorDir(dataDir, row.name), 'HEAD'));
    if (present && row.synced_at !== null && !differs(upstream, before)) {
      const now = ctx.now();
      await gitDb(ctx).updateTable('git_mirrors').set({ failures: 0, last_error: null, sync_until: null, next_poll_at: nextPollAt(now, intervalOf(row, o), 0) }).where('id', '=', row.id).execute();
      return { mirror: row.name, changed: false, baseline: false, events: [], deleted: [] };
    }
    await updateMirror(dataDir, row.name, row.url, o.counter);
    const after = await mirrorRefs(dataDir, row.name, o.counter);
    return await recordChanges(ctx, row, before, after, await listRules(ctx), o);
  } catch (e) {
    await recordFailure(ctx, row, o, e);
    throw e;
  }
}
