/**
 * Committing a release: every check again (re-hashing the files), then the new version of each
 * channel it changes is rendered and staged, and one sign-repo task asks the sign server to sign
 * their repomd.xml files. The versions become current together, in the transaction that records
 * the signatures (publish.ts): until then the previous versions are served, whatever happens to
 * the master. A commit whose signing fails (or a master killed while rendering) leaves the release
 * planned again with the reason, to be committed again; nothing stays "in progress".
 *
 * One release of a platform is published at a time: another commit on the platform meanwhile is
 * refused (409) rather than queued, so a release always stages against what is served.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Context } from '../context.ts';
import { nevra } from '../rpm/index.ts';
import { blockedTask, inTransaction, transitionTasks } from '../scheduler/index.ts';
import { signingDb } from '../signing/schema.ts';
import { platformKeys } from '../signing/index.ts';
import { checkRelease, failureLines, type CheckReport } from './checks.ts';
import { releasedByName, type ChannelRef } from './content.ts';
import { parseNevra } from '../errata/index.ts';
import { advisoryFacts } from './errata-link.ts';
import { NotReleasableError, ReleaseChecksError, ReleaseStateError } from './errors.ts';
import { versionDir } from './layout.ts';
import { repoArches } from './placement.ts';
import { promotionRemovals } from './promote.ts';
import { getRelease, releasablePlatform } from './plan.ts';
import { releasesDb, type ReleaseRow } from './schema.ts';
import { stageRelease, type StagedChannel } from './stage.ts';
import { lockPlatform } from './platform-lock.ts';
import { recordVersionFiles, storeRenderedFiles, type VersionFile } from './version-files.ts';

/** Priority of a release's signing task: before builds' tasks (release engineers wait on it). */
const SIGN_PRIORITY = 1000;

/** Commits in progress in this process, by platform (rendering happens outside any transaction). */
const committing = new Set<string>();

/**
 * A publishing release whose signing task failed or was cancelled goes back to planned, with the
 * reason; its staged versions are discarded. Returns the release as it is now.
 */
export async function settleRelease(ctx: Context, release: ReleaseRow): Promise<ReleaseRow> {
  if (release.state !== 'publishing' || release.sign_task_id === null) return release;
  const task = await ctx.db.kysely.selectFrom('tasks').select(['state', 'failure_reason']).where('id', '=', release.sign_task_id).executeTakeFirst();
  if (!task || (task.state !== 'failed' && task.state !== 'cancelled')) return release;
  const reason = `signing the repository metadata ${task.state === 'failed' ? `failed: ${task.failure_reason ?? ''}` : 'was cancelled'} (task ${release.sign_task_id})`;
  const discarded = await inTransaction(ctx, async (tx) => {
    const db = releasesDb(tx);
    const moved = await db.updateTable('releases').set({ state: 'planned', failure_reason: reason, updated_at: tx.now() }).where('id', '=', release.id).where('state', '=', 'publishing').executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return [];
    const staged = await db.selectFrom('repo_versions').select(['repo', 'channel', 'number']).where('release_id', '=', release.id).where('state', '=', 'staged').execute();
    await db.updateTable('repo_versions').set({ state: 'discarded' }).where('release_id', '=', release.id).where('state', '=', 'staged').execute();
    return staged;
  });
  for (const v of discarded) rmSync(versionDir(ctx, release.platform, v, v.number), { recursive: true, force: true });
  if (discarded.length > 0) ctx.log.warn({ releaseId: release.id, reason }, 'release not published; it may be committed again');
  return getRelease(ctx, release.id);
}

/** Channels holding (now, or after this release) packages the plan's advisories cover. */
async function advisoryChannels(ctx: Context, platform: string, advisoryIds: readonly string[], report: CheckReport): Promise<ChannelRef[]> {
  const wanted = new Set<string>();
  for (const id of advisoryIds) for (const n of (await advisoryFacts(ctx, platform, id)).packages) wanted.add(n);
  const out: ChannelRef[] = [];
  for (const p of report.packages) if (wanted.has(p.nevra)) out.push(...p.channels);
  const names = [...wanted].map((n) => {
    const parsed = parseNevra(n);
    return 'problem' in parsed ? n : parsed.name;
  });
  for (const r of await releasedByName(ctx, platform, [...new Set(names)])) if (wanted.has(nevra(r))) out.push({ repo: r.repo, channel: r.channel });
  return out;
}

export interface CommitOptions {
  force: boolean;
  userId: number | null;
}

/** Moves the rendered versions into place, as staged rows, and makes the signing task (one transaction). */
async function stageInTransaction(ctx: Context, release: ReleaseRow, channels: readonly (StagedChannel & { files: VersionFile[] })[], keyid: string, options: CommitOptions): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const db = releasesDb(tx);
    const now = tx.now();
    // Masters commit one release of a platform at a time: the others wait here, then find it publishing.
    await lockPlatform(tx, release.platform);
    const fresh = await getRelease(tx, release.id);
    if (fresh.state !== 'planned') throw new ReleaseStateError(`release ${release.id} is ${fresh.state} now: it was committed meanwhile`);
    const busy = await db.selectFrom('releases').select('id').where('platform', '=', release.platform).where('state', '=', 'publishing').executeTakeFirst();
    if (busy) throw new ReleaseStateError(`release ${busy.id} of platform ${release.platform} is being published: commit again once it is done`);
    for (const c of channels) {
      const now = await db.selectFrom('release_channels').select('current').where('platform', '=', release.platform).where('repo', '=', c.ref.repo).where('channel', '=', c.ref.channel).executeTakeFirst();
      if ((now?.current ?? null) !== c.base) throw new ReleaseStateError(`${c.ref.repo}/${c.ref.channel} changed while the release was being staged: commit again`);
    }
    const task = await db
      .insertInto('tasks')
      .values(blockedTask({ buildId: null, itemId: null, releaseId: release.id, kind: 'sign-repo', platform: release.platform, arch: 'noarch', priority: SIGN_PRIORITY, ownerId: options.userId ?? fresh.created_by ?? 1, maxAttempts: tx.settings.maxAttempts, now }))
      .returning('id')
      .executeTakeFirstOrThrow();
    await signingDb(tx).insertInto('sign_requests').values({ task_id: task.id, keyid, requested_by: options.userId, requested_at: now }).execute();
    for (const c of channels) {
      const last = await db.selectFrom('repo_versions').select(({ fn }) => fn.max('number').as('n')).where('platform', '=', release.platform).where('repo', '=', c.ref.repo).where('channel', '=', c.ref.channel).executeTakeFirst();
      const number = Number(last?.n ?? 0) + 1;
      const target = versionDir(tx, release.platform, c.ref, number);
      // A directory left by a master killed between this move and its commit holds nothing served.
      rmSync(target, { recursive: true, force: true });
      mkdirSync(dirname(target), { recursive: true });
      renameSync(c.renderedDir, target);
      const version = await db
        .insertInto('repo_versions')
        .values({ platform: release.platform, repo: c.ref.repo, channel: c.ref.channel, number, release_id: release.id, cause: 'release', state: 'staged', base: c.base, packages: c.packages, advisories: c.advisories, repomd_sha256: c.repomdSha256, created_at: now, published_at: null, superseded_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordVersionFiles(tx, version.id, c.files);
      const changes = [...c.added.map((p) => ({ ...p, change: 'added' as const })), ...c.removed.map((p) => ({ ...p, change: 'removed' as const }))];
      for (let i = 0; i < changes.length; i += 200) {
        await db.insertInto('repo_version_changes').values(changes.slice(i, i + 200).map((p) => ({ version_id: version.id, ...p }))).execute();
      }
    }
    await db.updateTable('releases').set({ state: 'publishing', committed_by: options.userId, committed_at: now, forced: options.force ? 1 : 0, sign_task_id: task.id, failure_reason: null, updated_at: now }).where('id', '=', release.id).execute();
    await transitionTasks(tx, [task.id], 'blocked', 'queued', { event: { kind: 'created', message: `sign-repo task for release ${release.id}: ${channels.length} repository version(s) with key ${keyid}` } });
  });
}

/**
 * Commits a planned release: checks (all again), stages, asks for the signatures.
 * @throws NotFoundError, ReleaseStateError, ReleaseChecksError, NotReleasableError
 */
export async function commitRelease(ctx: Context, id: number, options: CommitOptions): Promise<void> {
  const release = await settleRelease(ctx, await getRelease(ctx, id));
  if (release.state === 'publishing') throw new ReleaseStateError(`release ${id} is being published (sign-repo task ${release.sign_task_id ?? '?'})`);
  if (release.state !== 'planned') throw new ReleaseStateError(`release ${id} is ${release.state}: only a planned release is committed`);
  const platform = await releasablePlatform(ctx, release.platform);
  if (committing.has(platform.name)) throw new ReleaseStateError(`another release of platform ${platform.name} is being committed: commit again once it is done`);
  committing.add(platform.name);
  try {
    const busy = await releasesDb(ctx).selectFrom('releases').select('id').where('platform', '=', platform.name).where('state', '=', 'publishing').executeTakeFirst();
    if (busy) throw new ReleaseStateError(`release ${busy.id} of platform ${platform.name} is being published: commit again once it is done`);
    const report = await checkRelease(ctx, release, platform, { rehash: true, force: options.force, advisories: advisoryFacts });
    if (!report.ok) throw new ReleaseChecksError(`release ${id} does not pass its checks:\n${failureLines(report.checks, options.force)}`);
    const keyid = (await platformKeys(ctx, platform.name))[0];
    if (keyid === undefined) throw new NotReleasableError(`no key may sign platform ${platform.name}`);
    const advisoryIds = (await releasesDb(ctx).selectFrom('release_advisories').select('advisory_id').where('release_id', '=', id).orderBy('advisory_id').execute()).map((a) => a.advisory_id);
    const republished = (JSON.parse(release.republish) as string[]).flatMap((name) => {
      const repo = platform.releases.repositories.find((r) => r.name === name);
      return repo ? repoArches(platform, repo).map((arch) => ({ repo: name, channel: arch })) : [];
    });
    const extra = [...(await advisoryChannels(ctx, platform.name, advisoryIds, report)), ...republished];
    const removals = await promotionRemovals(ctx, release, new Set(report.packages.filter((p) => p.channels.length > 0).map((p) => p.nevra)));
    const staged = await stageRelease(ctx, { platform, releaseId: id, packages: report.packages, advisoryIds, advisoryChannels: extra, removals });
    try {
      if (staged.channels.length === 0) throw new ReleaseChecksError(`release ${id} changes no repository`);
      // Every master serves the versions from the store (version-files.ts): they go there first.
      const withFiles = [];
      for (const c of staged.channels) withFiles.push({ ...c, files: await storeRenderedFiles(ctx, c.renderedDir) });
      await stageInTransaction(ctx, release, withFiles, keyid, options);
    } finally {
      if (existsSync(staged.dir)) rmSync(staged.dir, { recursive: true, force: true });
    }
    ctx.log.info({ releaseId: id, platform: platform.name, channels: staged.channels.length }, 'release staged; waiting for the signatures');
  } finally {
    committing.delete(platform.name);
  }
}
