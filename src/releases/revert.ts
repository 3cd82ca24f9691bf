/**
 * Reverting a release: every channel it changed points back at the version before it, as a new
 * version whose metadata is the earlier version's, byte for byte (its repomd.xml and signature
 * hard-linked: a signature over identical bytes stays good), and whose content is the earlier
 * content again (the release's changes undone). A channel the release created goes back to
 * serving nothing. Only the newest release of each of its channels can be reverted: a later
 * release built on it is reverted first.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../context.ts';
import { inTransaction } from '../scheduler/index.ts';
import { channelPath } from './content.ts';
import { markAdvisoriesUnreleased } from './errata-link.ts';
import { ReleaseStateError } from './errors.ts';
import { versionDir } from './layout.ts';
import { getRelease } from './plan.ts';
import { releasesDb, type RepoVersionRow } from './schema.ts';
import { lockPlatform } from './platform-lock.ts';
import { copyVersionFiles } from './version-files.ts';

/** Copies version `from`'s metadata as version `to` (hard links). */
function linkVersion(fromDir: string, toDir: string): void {
  rmSync(toDir, { recursive: true, force: true });
  mkdirSync(join(toDir, 'repodata'), { recursive: true });
  for (const f of readdirSync(join(fromDir, 'repodata'))) linkSync(join(fromDir, 'repodata', f), join(toDir, 'repodata', f));
}

/** Reverts a released release. @throws NotFoundError, ReleaseStateError */
export async function revertRelease(ctx: Context, id: number, userId: number | null): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const db = releasesDb(tx);
    const release = await getRelease(tx, id);
    await lockPlatform(tx, release.platform);
    if (release.state !== 'released') throw new ReleaseStateError(`release ${id} is ${release.state}: only a released release can be reverted`);
    const busy = await db.selectFrom('releases').select('id').where('platform', '=', release.platform).where('state', '=', 'publishing').executeTakeFirst();
    if (busy) throw new ReleaseStateError(`release ${busy.id} of platform ${release.platform} is being published: revert once it is done`);
    const versions = await db.selectFrom('repo_versions').selectAll().where('release_id', '=', id).where('cause', '=', 'release').where('state', 'in', ['published', 'expired']).orderBy('id').execute();
    const now = tx.now();
    const channels: { v: RepoVersionRow; number: number }[] = [];
    for (const v of versions) {
      const ch = await db.selectFrom('release_channels').select('current').where('platform', '=', release.platform).where('repo', '=', v.repo).where('channel', '=', v.channel).executeTakeFirst();
      if (ch?.current !== v.number) {
        const later = await db.selectFrom('repo_versions').select('release_id').where('platform', '=', release.platform).where('repo', '=', v.repo).where('channel', '=', v.channel).where('number', '=', ch?.current ?? -1).executeTakeFirst();
        throw new ReleaseStateError(`${channelPath(v)} has moved on to version ${ch?.current ?? '?'}${later ? ` (release ${later.release_id})` : ''}: revert that first`);
      }
      if (v.base !== null) {
        const base = await db.selectFrom('repo_versions').select('state').where('platform', '=', release.platform).where('repo', '=', v.repo).where('channel', '=', v.channel).where('number', '=', v.base).executeTakeFirst();
        if (base?.state !== 'published') throw new ReleaseStateError(`${channelPath(v)}: version ${v.base}, the one before release ${id}, is no longer kept (retention): it cannot be served again`);
      }
      const last = await db.selectFrom('repo_versions').select(({ fn }) => fn.max('number').as('n')).where('platform', '=', release.platform).where('repo', '=', v.repo).where('channel', '=', v.channel).executeTakeFirst();
      channels.push({ v, number: Number(last?.n ?? 0) + 1 });
    }
    for (const { v, number } of channels) {
      const channel = { platform: release.platform, repo: v.repo, channel: v.channel };
      const changes = await db.selectFrom('repo_version_changes').selectAll().where('version_id', '=', v.id).execute();
      const added = changes.filter((c) => c.change === 'added').map((c) => c.sha256);
      for (let i = 0; i < added.length; i += 500) {
        await db.deleteFrom('channel_packages').where('platform', '=', release.platform).where('repo', '=', v.repo).where('channel', '=', v.channel).where('sha256', 'in', added.slice(i, i + 500)).execute();
      }
      // What the release replaced comes back (with the release that had put it there).
      const restored = changes.filter((c) => c.change === 'removed');
      for (const r of restored) {
        const origin = await db.selectFrom('repo_version_changes as c').innerJoin('repo_versions as v', 'v.id', 'c.version_id').select('v.release_id').where('v.platform', '=', release.platform).where('v.repo', '=', v.repo).where('v.channel', '=', v.channel).where('c.change', '=', 'added').where('c.sha256', '=', r.sha256).orderBy('v.number', 'desc').executeTakeFirst();
        const { version_id: _v, change: _c, ...p } = r;
        await db.insertInto('channel_packages').values({ ...channel, ...p, release_id: origin?.release_id ?? id }).execute();
      }
      const base = v.base === null ? null : await db.selectFrom('repo_versions').selectAll().where('platform', '=', release.platform).where('repo', '=', v.repo).where('channel', '=', v.channel).where('number', '=', v.base).executeTakeFirstOrThrow();
      await db.updateTable('repo_versions').set({ superseded_at: now }).where('id', '=', v.id).execute();
      if (base) {
        // A master without the earlier version's files fetches them when asked (version-files.ts).
        const baseDir = versionDir(tx, release.platform, v, base.number);
        if (existsSync(join(baseDir, 'repodata'))) linkVersion(baseDir, versionDir(tx, release.platform, v, number));
        const made = await db
          .insertInto('repo_versions')
          .values({ ...channel, number, release_id: id, cause: 'revert', state: 'published', base: v.number, packages: base.packages, advisories: base.advisories, repomd_sha256: base.repomd_sha256, created_at: now, published_at: now, superseded_at: null })
          .returning('id')
          .executeTakeFirstOrThrow();
        await copyVersionFiles(tx, base.id, made.id);
        const undo = changes.map(({ version_id: _v, change, ...p }) => ({ ...p, version_id: made.id, change: change === 'added' ? ('removed' as const) : ('added' as const) }));
        for (let i = 0; i < undo.length; i += 200) await db.insertInto('repo_version_changes').values(undo.slice(i, i + 200)).execute();
        await db.updateTable('release_channels').set({ current: number, updated_at: now }).where('platform', '=', release.platform).where('repo', '=', v.repo).where('channel', '=', v.channel).execute();
      } else {
        await db.updateTable('release_channels').set({ current: null, updated_at: now }).where('platform', '=', release.platform).where('repo', '=', v.repo).where('channel', '=', v.channel).execute();
      }
    }
    const advisories = await db.selectFrom('release_advisories').select('advisory_id').where('release_id', '=', id).execute();
    await markAdvisoriesUnreleased(tx, advisories.map((a) => a.advisory_id), id);
    await db.updateTable('releases').set({ state: 'reverted', reverted_by: userId, reverted_at: now, updated_at: now }).where('id', '=', id).execute();
    tx.log.info({ releaseId: id, platform: release.platform, channels: channels.length }, 'release reverted');
  });
}
