/**
 * Publishing a committed release: its sign-repo task's lease lists the staged versions'
 * repomd.xml files; the signatures the sign server sends are checked against the files (before
 * the completing transaction), and in that transaction every staged version of the release
 * becomes its channel's current one together: the signatures recorded, repomd.xml.asc written
 * beside each, the channels' content changed, the release marked released and its advisories
 * released. Either all of it or none of it.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../context.ts';
import type { Task } from '../db/schema.ts';
import { BadSignatureError, recordRepomdSignatures, repomdLease, verifyRepomdSignatures, type RepomdToSign } from '../signing/index.ts';
import type { RepomdFile } from '../signing/repomd.ts';
import { channelPath } from './content.ts';
import { markAdvisoriesReleased } from './errata-link.ts';
import { versionDir } from './layout.ts';
import { releasesDb, type RepoVersionRow } from './schema.ts';
import { materialiseVersion } from './version-files.ts';

/** The staged versions of a release. */
async function stagedVersions(ctx: Context, releaseId: number): Promise<RepoVersionRow[]> {
  return releasesDb(ctx).selectFrom('repo_versions').selectAll().where('release_id', '=', releaseId).where('state', '=', 'staged').orderBy('id').execute();
}

/** The repomd.xml of each staged version, named by its channel path (REPO/CHANNEL); fetched from the store when this master lacks it. */
async function stagedRepomds(ctx: Context, task: Pick<Task, 'release_id' | 'platform'>): Promise<RepomdFile[]> {
  if (task.release_id === null) return [];
  const out: RepomdFile[] = [];
  for (const v of await stagedVersions(ctx, task.release_id)) out.push({ arch: channelPath(v), path: join(await materialiseVersion(ctx, task.platform, v), 'repodata', 'repomd.xml') });
  return out;
}

/** For a release's sign-repo lease: the staged repomd.xml files to sign. */
export async function releaseRepomdLease(ctx: Context, task: Task): Promise<RepomdToSign[]> {
  return repomdLease(ctx, await stagedRepomds(ctx, task));
}

/** Checks a release's signatures (before the completing transaction). */
export async function verifyReleaseSignatures(ctx: Context, task: Task, result: unknown): Promise<unknown> {
  const files = await stagedRepomds(ctx, task);
  if (files.length === 0) throw new BadSignatureError(`release ${task.release_id ?? '?'} has no staged repository version to sign (task ${task.id})`);
  return verifyRepomdSignatures(ctx, task, result, files);
}

/** Records the signatures and publishes the release (inside the completing transaction). */
export async function publishRelease(tx: Context, task: Task, verified: unknown): Promise<void> {
  const releaseId = task.release_id;
  if (releaseId === null) return;
  await recordRepomdSignatures(tx, task, verified);
  const db = releasesDb(tx);
  const now = tx.now();
  const release = await db.selectFrom('releases').selectAll().where('id', '=', releaseId).executeTakeFirstOrThrow();
  if (release.state !== 'publishing' || release.sign_task_id !== task.id) throw new BadSignatureError(`release ${releaseId} is ${release.state}: task ${task.id} no longer publishes it`);
  const platform = release.platform;
  const retention = await retentionOf(tx, platform);
  for (const v of await stagedVersions(tx, releaseId)) {
    const channel = { platform, repo: v.repo, channel: v.channel };
    const current = await db.selectFrom('release_channels').select('current').where('platform', '=', platform).where('repo', '=', v.repo).where('channel', '=', v.channel).executeTakeFirst();
    if ((current?.current ?? null) !== v.base) throw new BadSignatureError(`${channelPath(v)} moved on since release ${releaseId} was staged: commit it again`);
    const signature = await db.selectFrom('repomd_signatures').select('signature').where('repomd_sha256', '=', v.repomd_sha256).where('sign_task_id', '=', task.id).executeTakeFirstOrThrow();
    // This master's copy; the others write theirs from the database when asked (version-files.ts).
    const repodata = join(versionDir(tx, platform, v, v.number), 'repodata');
    if (existsSync(repodata)) writeFileSync(join(repodata, 'repomd.xml.asc'), signature.signature, { mode: 0o644 });
    const changes = await db.selectFrom('repo_version_changes').selectAll().where('version_id', '=', v.id).execute();
    const removed = changes.filter((c) => c.change === 'removed').map((c) => c.sha256);
    for (let i = 0; i < removed.length; i += 500) {
      await db.deleteFrom('channel_packages').where('platform', '=', platform).where('repo', '=', v.repo).where('channel', '=', v.channel).where('sha256', 'in', removed.slice(i, i + 500)).execute();
    }
    const added = changes.filter((c) => c.change === 'added').map(({ version_id: _v, change: _c, ...p }) => ({ ...channel, ...p, release_id: releaseId }));
    for (let i = 0; i < added.length; i += 200) await db.insertInto('channel_packages').values(added.slice(i, i + 200)).execute();
    await db.updateTable('repo_versions').set({ superseded_at: now }).where('platform', '=', platform).where('repo', '=', v.repo).where('channel', '=', v.channel).where('state', '=', 'published').where('superseded_at', 'is', null).execute();
    await db.updateTable('repo_versions').set({ state: 'published', published_at: now }).where('id', '=', v.id).execute();
    if (current) await db.updateTable('release_channels').set({ current: v.number, updated_at: now }).where('platform', '=', platform).where('repo', '=', v.repo).where('channel', '=', v.channel).execute();
    else await db.insertInto('release_channels').values({ ...channel, current: v.number, updated_at: now }).execute();
    await expireBeyondRetention(tx, channel, retention);
  }
  const advisories = await db.selectFrom('release_advisories').select('advisory_id').where('release_id', '=', releaseId).execute();
  await markAdvisoriesReleased(tx, advisories.map((a) => a.advisory_id), releaseId);
  await db.updateTable('releases').set({ state: 'released', released_at: now, updated_at: now, failure_reason: null }).where('id', '=', releaseId).execute();
  tx.log.info({ releaseId, platform }, 'release published');
}

/** The platform's retention (versions kept addressable per channel). */
export async function retentionOf(ctx: Context, platform: string): Promise<number> {
  const row = await ctx.db.kysely.selectFrom('platforms').select('definition').where('name', '=', platform).executeTakeFirst();
  const releases = row ? (JSON.parse(row.definition) as { releases?: { retention?: number } }).releases : undefined;
  return releases?.retention ?? 5;
}

/** Published versions of a channel older than the newest `retention` are expired (their files go after the grace period). */
export async function expireBeyondRetention(tx: Context, c: { platform: string; repo: string; channel: string }, retention: number): Promise<void> {
  const db = releasesDb(tx);
  const kept = await db
    .selectFrom('repo_versions')
    .select('number')
    .where('platform', '=', c.platform)
    .where('repo', '=', c.repo)
    .where('channel', '=', c.channel)
    .where('state', '=', 'published')
    .orderBy('number', 'desc')
    .limit(retention)
    .execute();
  const oldest = kept.at(-1)?.number;
  if (oldest === undefined || kept.length < retention) return;
  await db
    .updateTable('repo_versions')
    .set({ state: 'expired' })
    .where('platform', '=', c.platform)
    .where('repo', '=', c.repo)
    .where('channel', '=', c.channel)
    .where('state', '=', 'published')
    .where('number', '<', oldest)
    .execute();
}
