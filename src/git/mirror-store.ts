/**
 * Mirrors in the database: listing, looking up, creating (API: the upstream is asked first, then
 * the mirror fetched; nothing stays behind when that fails), the configuration file's mirrors
 * (created or updated; fetched by the poller), and deleting.
 */
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { AlreadyExistsError, isUniqueViolation } from '../platforms/errors.ts';
import { checkName } from '../platforms/names.ts';
import { UnknownMirrorError } from './errors.ts';
import { removeMirrorDir } from './mirror-repo.ts';
import { dataDirProblem, redactCredentials } from '../util/git-url.ts';
import { gitDb, type MirrorRow } from './schema.ts';
import type { MirrorDefinition, MirrorInfo } from './types.ts';

/** The API shape of a mirror (credentials a row from before they were refused may hold are shown as `***`). */
export function mirrorInfo(ctx: Context, row: MirrorRow, refs: number): MirrorInfo {
  const base = ctx.settings.publicUrl;
  return {
    name: row.name,
    url: redactCredentials(row.url),
    cloneUrl: `${base}/git/${row.name}.git`,
    webhookUrl: `${base}/api/v1/git/hooks/${row.name}`,
    hasWebhookSecret: row.webhook_secret !== null,
    pollIntervalSeconds: row.poll_interval_s,
    createdAt: row.created_at,
    syncedAt: row.synced_at,
    nextPollAt: row.next_poll_at,
    failures: row.failures,
    lastError: row.last_error,
    refs,
  };
}

async function refCounts(ctx: Context, ids: number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await gitDb(ctx).selectFrom('git_mirror_refs').select(['mirror_id', (eb) => eb.fn.countAll<number>().as('n')]).where('mirror_id', 'in', ids).groupBy('mirror_id').execute();
  return new Map(rows.map((r) => [r.mirror_id, Number(r.n)]));
}

export async function listMirrors(ctx: Context): Promise<MirrorInfo[]> {
  const rows = await gitDb(ctx).selectFrom('git_mirrors').selectAll().orderBy('name').execute();
  const counts = await refCounts(ctx, rows.map((r) => r.id));
  return rows.map((r) => mirrorInfo(ctx, r, counts.get(r.id) ?? 0));
}

/** The mirror called `name`. @throws InvalidNameError, UnknownMirrorError */
export async function getMirrorRow(ctx: Context, name: string): Promise<MirrorRow> {
  checkName('mirror name', name);
  const row = await gitDb(ctx).selectFrom('git_mirrors').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw new UnknownMirrorError(name);
  return row;
}

export async function getMirror(ctx: Context, name: string): Promise<MirrorInfo> {
  const row = await getMirrorRow(ctx, name);
  return mirrorInfo(ctx, row, (await refCounts(ctx, [row.id])).get(row.id) ?? 0);
}

/**
 * Refuses an upstream inside the data directory (the mirrors themselves, the database), compared
 * by real paths (symbolic links, /proc/self/root/…), or whose path cannot be resolved. @throws UsageError
 */
export function checkUpstreamUrl(ctx: Context, url: string): void {
  const problem = dataDirProblem(url, ctx.settings.dataDir);
  if (problem) throw new UsageError(`git URL ${url} ${problem}`);
}

/** Inserts a mirror row, first polled at `firstPollAt`. @throws AlreadyExistsError */
export async function insertMirror(ctx: Context, def: MirrorDefinition, firstPollAt: number): Promise<MirrorRow> {
  const now = ctx.now();
  try {
    return await gitDb(ctx)
      .insertInto('git_mirrors')
      .values({
        name: def.name,
        url: def.url,
        webhook_secret: def.webhookSecret ?? null,
        poll_interval_s: def.pollIntervalSeconds ?? null,
        created_at: now,
        updated_at: now,
        next_poll_at: firstPollAt,
        failures: 0,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (e) {
    if (isUniqueViolation(e)) throw new AlreadyExistsError(`git mirror "${def.name}" already exists`);
    throw e;
  }
}

/** Creates or updates a mirror from the configuration file; returns whether it was created. */
export async function saveConfigMirror(ctx: Context, def: MirrorDefinition, firstPollAt: number): Promise<boolean> {
  checkUpstreamUrl(ctx, def.url);
  const db = gitDb(ctx);
  const changed = await db
    .updateTable('git_mirrors')
    .set({ url: def.url, webhook_secret: def.webhookSecret ?? null, poll_interval_s: def.pollIntervalSeconds ?? null, updated_at: ctx.now() })
    .where('name', '=', def.name)
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) > 0) return false;
  await insertMirror(ctx, def, firstPollAt);
  return true;
}

/** Deletes a mirror, its refs and events, and its directory. @throws UnknownMirrorError */
export async function deleteMirror(ctx: Context, name: string): Promise<void> {
  const row = await getMirrorRow(ctx, name);
  await gitDb(ctx).transaction().execute(async (tx) => {
    await tx.deleteFrom('git_events').where('mirror_id', '=', row.id).execute();
    await tx.deleteFrom('git_mirror_refs').where('mirror_id', '=', row.id).execute();
    await tx.deleteFrom('git_mirrors').where('id', '=', row.id).execute();
  });
  await removeMirrorDir(ctx.settings.dataDir, name);
}
