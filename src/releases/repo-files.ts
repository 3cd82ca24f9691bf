/**
 * comps.xml (`groups`) and modules.yaml (`modules`) of a release repository: given by an admin,
 * checked as dnf would need them (src/repo/extras.ts), kept in the artifact store, and passed
 * through unchanged into every later version of the repository's binary channels (not its
 * debuginfo or source twins). A release with `republish: [REPO]` publishes a change of them
 * without packages.
 */
import { NotFoundError, UsageError } from '../errors.ts';
import type { Context } from '../context.ts';
import { readBlob } from '../storage/read-blob.ts';
import { checkComps, checkModules } from '../repo/extras.ts';
import { RepoCreateError } from '../repo/errors.ts';
import { releasablePlatform } from './plan.ts';
import { releasesDb, type RepoFileKind } from './schema.ts';

export const REPO_FILE_KINDS = ['groups', 'modules'] as const;
/** Largest comps or modules file taken (EL9's AppStream comps is about 1 MiB). */
export const REPO_FILE_MAX_BYTES = 16 * 1024 * 1024;

export interface RepoFileView {
  platform: string;
  repo: string;
  kind: RepoFileKind;
  sha256: string;
  size: number;
  updatedBy: string | null;
  updatedAt: number;
}

const FILE_NAMES: Record<RepoFileKind, string> = { groups: 'comps.xml', modules: 'modules.yaml' };

async function releaseRepo(ctx: Context, platformName: string, repo: string): Promise<void> {
  const platform = await releasablePlatform(ctx, platformName);
  if (!platform.releases.repositories.some((r) => r.name === repo)) throw new NotFoundError(`platform ${platformName} has no release repository ${repo}`);
}

/** Checks and stores a repository's comps or modules file; it goes into the repository's next versions. @throws NotFoundError, NotReleasableError, UsageError */
export async function setRepoFile(ctx: Context, input: { platform: string; repo: string; kind: RepoFileKind; content: Buffer; userId: number | null }): Promise<RepoFileView> {
  await releaseRepo(ctx, input.platform, input.repo);
  if (input.content.length === 0) throw new UsageError(`${FILE_NAMES[input.kind]}: the file is empty`);
  try {
    if (input.kind === 'groups') checkComps(input.content, FILE_NAMES.groups);
    else checkModules(input.content, FILE_NAMES.modules);
  } catch (e) {
    if (e instanceof RepoCreateError) throw new UsageError(e.message.split('\n')[0] ?? e.message);
    throw e;
  }
  const blob = await ctx.store.put(input.content);
  const now = ctx.now();
  const db = releasesDb(ctx);
  const row = { sha256: blob.sha256, size: input.content.length, updated_by: input.userId, updated_at: now };
  await db
    .insertInto('release_repo_files')
    .values({ platform: input.platform, repo: input.repo, kind: input.kind, ...row })
    .onConflict((oc) => oc.columns(['platform', 'repo', 'kind']).doUpdateSet(row))
    .execute();
  return getRepoFile(ctx, input.platform, input.repo, input.kind);
}

/** @throws NotFoundError when the repository has no such file */
export async function getRepoFile(ctx: Context, platform: string, repo: string, kind: RepoFileKind): Promise<RepoFileView> {
  await releaseRepo(ctx, platform, repo);
  const row = await releasesDb(ctx)
    .selectFrom('release_repo_files as f')
    .leftJoin('users as u', 'u.id', 'f.updated_by')
    .select(['f.platform', 'f.repo', 'f.kind', 'f.sha256', 'f.size', 'f.updated_at', 'u.name as user'])
    .where('f.platform', '=', platform)
    .where('f.repo', '=', repo)
    .where('f.kind', '=', kind)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`release repository ${repo} of ${platform} has no ${FILE_NAMES[kind]}`);
  return { platform: row.platform, repo: row.repo, kind: row.kind, sha256: row.sha256, size: Number(row.size), updatedBy: row.user ?? null, updatedAt: Number(row.updated_at) };
}

/** Removes the file: later versions have none. @throws NotFoundError */
export async function deleteRepoFile(ctx: Context, platform: string, repo: string, kind: RepoFileKind): Promise<void> {
  await getRepoFile(ctx, platform, repo, kind);
  await releasesDb(ctx).deleteFrom('release_repo_files').where('platform', '=', platform).where('repo', '=', repo).where('kind', '=', kind).execute();
}

/** What a new version of a channel of `repo` passes through (binary channels only). */
export async function passthroughFiles(ctx: Context, platform: string, repo: string, channel: string): Promise<{ groups?: Buffer; modules?: Buffer }> {
  if (channel === 'Source' || channel.endsWith('/debug')) return {};
  const rows = await releasesDb(ctx).selectFrom('release_repo_files').select(['kind', 'sha256']).where('platform', '=', platform).where('repo', '=', repo).execute();
  const out: { groups?: Buffer; modules?: Buffer } = {};
  for (const r of rows) out[r.kind] = await readBlob(ctx.store, r.sha256);
  return out;
}
