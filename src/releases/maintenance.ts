/**
 * The release system's housekeeping, run by the server every few seconds (and safe to run any
 * time, by any replica): releases whose signing failed go back to planned; versions expired
 * beyond the retention and past the grace period lose their files; packages no kept version
 * names leave the pools; renderings a killed master left in the staging directory go; the export
 * directory is brought in step.
 */
import { existsSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../context.ts';
import { tryClusterLock } from '../db/cluster-lock.ts';
import { filesUnder } from '../util/files-under.ts';
import { listPlatforms } from '../platforms/store.ts';
import { settleRelease } from './commit.ts';
import { syncReleaseExport } from './export.ts';
import { channelDir, stagingDir, versionDir } from './layout.ts';
import { allChannels } from './placement.ts';
import { releasesDb } from './schema.ts';

/** Renderings older than this in the staging directory belong to no commit any more. */
const STAGING_MAX_AGE_MS = 3600_000;

/** Removes what no kept version of one channel needs. */
async function cleanChannel(ctx: Context, platform: string, c: { repo: string; channel: string }, graceMs: number): Promise<void> {
  const db = releasesDb(ctx);
  const versions = await db.selectFrom('repo_versions').select(['id', 'number', 'state', 'superseded_at']).where('platform', '=', platform).where('repo', '=', c.repo).where('channel', '=', c.channel).execute();
  const now = ctx.now();
  const dir = channelDir(ctx, platform, c);
  if (!existsSync(dir)) return;
  for (const v of versions) {
    const gone = v.state === 'discarded' || (v.state === 'expired' && (v.superseded_at ?? 0) + graceMs < now);
    if (gone) rmSync(versionDir(ctx, platform, c, v.number), { recursive: true, force: true });
  }
  // Version directories with no row: left by a master killed between staging and its commit.
  const known = new Set(versions.filter((v) => v.state !== 'discarded').map((v) => `@${v.number}`));
  for (const e of readdirSync(dir)) if (/^@\d+$/.test(e) && !known.has(e)) rmSync(join(dir, e), { recursive: true, force: true });
  const kept = versions.filter((v) => v.state === 'staged' || v.state === 'published' || (v.state === 'expired' && existsSync(versionDir(ctx, platform, c, v.number))));
  const oldest = Math.min(...kept.map((v) => v.number));
  const wanted = new Set((await db.selectFrom('channel_packages').select('href').where('platform', '=', platform).where('repo', '=', c.repo).where('channel', '=', c.channel).execute()).map((r) => r.href));
  // A package of a kept version that the channel no longer holds was removed by a later version.
  const later = kept.filter((v) => v.number > oldest || v.state === 'staged').map((v) => v.id);
  for (let i = 0; i < later.length; i += 500) {
    const rows = await db.selectFrom('repo_version_changes').select('href').where('version_id', 'in', later.slice(i, i + 500)).execute();
    for (const r of rows) wanted.add(r.href);
  }
  for (const f of filesUnder(join(dir, 'Packages'))) {
    const href = `Packages/${f}`;
    if (wanted.has(href)) continue;
    const path = join(dir, href);
    // A file linked in by a commit still rendering has no row yet: leave young files alone.
    if (now - statSync(path).mtimeMs < graceMs && now - statSync(path).ctimeMs < graceMs) continue;
    unlinkSync(path);
  }
}

/** One pass of housekeeping; never throws (problems are logged). */
export async function maintainReleases(ctx: Context): Promise<void> {
  try {
    const publishing = await releasesDb(ctx).selectFrom('releases').selectAll().where('state', '=', 'publishing').execute();
    for (const r of publishing) await settleRelease(ctx, r);
    for (const platform of await listPlatforms(ctx)) {
      if (!platform.releases) continue;
      for (const c of allChannels(platform)) await cleanChannel(ctx, platform.name, c, platform.releases.graceSeconds * 1000);
    }
    const staging = stagingDir(ctx);
    if (existsSync(staging)) {
      for (const e of readdirSync(staging)) {
        const p = join(staging, e);
        if (ctx.now() - statSync(p).mtimeMs > STAGING_MAX_AGE_MS) rmSync(p, { recursive: true, force: true });
      }
    }
    // One writer per export directory, whichever master it is (docs/scale-out.md).
    const exportDir = ctx.settings.releaseExportDir;
    if (exportDir) await tryClusterLock(ctx.db, `release-export:${exportDir}`, () => syncReleaseExport(ctx, exportDir));
  } catch (e) {
    ctx.log.error({ err: e }, 'release housekeeping failed');
  }
}

/** Runs {@link maintainReleases} every `intervalMs`; the returned function stops it (waiting for a pass under way). */
export function startReleasesLoop(ctx: Context, intervalMs = 2000): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(() => (stopped ? undefined : maintainReleases(ctx)));
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
