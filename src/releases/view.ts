/**
 * Releases and repository versions as the API and the CLI show them: a release with its builds,
 * packages (where each goes and why), advisories, checks and the versions it made; the history of
 * releases; each channel's versions and what each changed.
 */
import type { Context } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { nevra } from '../rpm/index.ts';
import { checkRelease, type CheckResult } from './checks.ts';
import { channelPath } from './content.ts';
import { settleRelease } from './commit.ts';
import { advisoryFacts } from './errata-link.ts';
import { allChannels, channelsFor } from './placement.ts';
import { getRelease, releasablePlatform } from './plan.ts';
import { releasesDb, type ReleaseRow, type ReleaseState, type RepoVersionRow } from './schema.ts';

export interface ReleasePackageView {
  nevra: string;
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  kind: string;
  buildId: number;
  /** Channel paths: REPO/ARCH, REPO/ARCH/debug, REPO/Source. */
  repos: string[];
  reason: string;
}

export interface VersionView {
  repo: string;
  channel: string;
  number: number;
  state: string;
  cause: string;
  base: number | null;
  packages: number;
  advisories: number;
  createdAt: number;
  publishedAt: number | null;
  supersededAt: number | null;
  releaseId: number;
}

export interface ReleaseView {
  id: number;
  platform: string;
  state: ReleaseState;
  note: string | null;
  forced: boolean;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  committedBy: string | null;
  committedAt: number | null;
  releasedAt: number | null;
  revertedBy: string | null;
  revertedAt: number | null;
  failureReason: string | null;
  signTask: { id: number; state: string } | null;
  builds: number[];
  advisories: string[];
  /** Release repositories whose binary channels the release republishes without packages (comps, modules). */
  republish: string[];
  /** A promotion: the release repository its packages come from (and leave); null for a release of builds. */
  promoteFrom: string | null;
  packages: ReleasePackageView[];
  versions: VersionView[];
  checks?: CheckResult[];
}

function versionView(v: RepoVersionRow): VersionView {
  return { repo: v.repo, channel: v.channel, number: v.number, state: v.state, cause: v.cause, base: v.base, packages: v.packages, advisories: v.advisories, createdAt: v.created_at, publishedAt: v.published_at, supersededAt: v.superseded_at, releaseId: v.release_id };
}

async function userNames(ctx: Context, ids: readonly (number | null)[]): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((i): i is number => i !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await ctx.db.kysely.selectFrom('users').select(['id', 'name']).where('id', 'in', wanted).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

async function viewOf(ctx: Context, r: ReleaseRow, withChecks: boolean): Promise<ReleaseView> {
  const db = releasesDb(ctx);
  const [builds, advisories, packages, versions, task] = await Promise.all([
    db.selectFrom('release_builds').select('build_id').where('release_id', '=', r.id).orderBy('build_id').execute(),
    db.selectFrom('release_advisories').select('advisory_id').where('release_id', '=', r.id).orderBy('advisory_id').execute(),
    db.selectFrom('release_packages').selectAll().where('release_id', '=', r.id).orderBy('id').execute(),
    db.selectFrom('repo_versions').selectAll().where('release_id', '=', r.id).orderBy('id').execute(),
    r.sign_task_id === null ? Promise.resolve(undefined) : ctx.db.kysely.selectFrom('tasks').select(['id', 'state']).where('id', '=', r.sign_task_id).executeTakeFirst(),
  ]);
  const names = await userNames(ctx, [r.created_by, r.committed_by, r.reverted_by]);
  const platform = await releasablePlatform(ctx, r.platform).catch(() => null);
  const view: ReleaseView = {
    id: r.id,
    platform: r.platform,
    state: r.state,
    note: r.note,
    forced: r.forced === 1,
    createdBy: r.created_by === null ? null : (names.get(r.created_by) ?? null),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    committedBy: r.committed_by === null ? null : (names.get(r.committed_by) ?? null),
    committedAt: r.committed_at,
    releasedAt: r.released_at,
    revertedBy: r.reverted_by === null ? null : (names.get(r.reverted_by) ?? null),
    revertedAt: r.reverted_at,
    failureReason: r.failure_reason,
    signTask: task ? { id: task.id, state: task.state } : null,
    builds: builds.map((b) => b.build_id),
    advisories: advisories.map((a) => a.advisory_id),
    republish: JSON.parse(r.republish) as string[],
    promoteFrom: r.promote_from ?? null,
    packages: packages.map((p) => {
      const repos = platform ? channelsFor(platform, JSON.parse(p.repos) as string[], p.kind, p.arch).channels.map(channelPath) : [];
      return {
      nevra: nevra(p),
      name: p.name,
      epoch: p.epoch,
      version: p.version,
      release: p.release,
      arch: p.arch,
      kind: p.kind,
      buildId: p.build_id,
      repos,
      reason: p.arch === 'noarch' && repos.length > 0 ? `${p.reason}; noarch: every arch of it (${repos.join(', ')})` : p.reason,
      };
    }),
    versions: versions.map(versionView),
  };
  if (withChecks && platform && r.state === 'planned') view.checks = (await checkRelease(ctx, r, platform, { advisories: advisoryFacts })).checks;
  return view;
}

/** One release; a planned one with its checks run now. @throws NotFoundError */
export async function releaseView(ctx: Context, id: number, withChecks = true): Promise<ReleaseView> {
  return viewOf(ctx, await settleRelease(ctx, await getRelease(ctx, id)), withChecks);
}

/** The history: releases newest first (without checks). */
export async function listReleases(ctx: Context, filter: { platform?: string; state?: ReleaseState; limit: number; offset: number }): Promise<ReleaseView[]> {
  const rows = await releasesDb(ctx)
    .selectFrom('releases')
    .selectAll()
    .$if(filter.platform !== undefined, (q) => q.where('platform', '=', filter.platform ?? ''))
    .$if(filter.state !== undefined, (q) => q.where('state', '=', filter.state ?? 'planned'))
    .orderBy('id', 'desc')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  const out: ReleaseView[] = [];
  for (const r of rows) out.push(await viewOf(ctx, await settleRelease(ctx, r), false));
  return out;
}

export interface ChannelView {
  repo: string;
  channel: string;
  /** Path under /repos/PLATFORM/. */
  path: string;
  current: number | null;
  versions: VersionView[];
}

/** Every channel of a platform's release repositories with its versions (newest first). */
export async function channelViews(ctx: Context, platformName: string): Promise<ChannelView[]> {
  const platform = await releasablePlatform(ctx, platformName);
  const db = releasesDb(ctx);
  const [channels, versions] = await Promise.all([
    db.selectFrom('release_channels').selectAll().where('platform', '=', platform.name).execute(),
    db.selectFrom('repo_versions').selectAll().where('platform', '=', platform.name).where('state', 'in', ['published', 'expired']).orderBy('number', 'desc').execute(),
  ]);
  return allChannels(platform).map((c) => ({
    repo: c.repo,
    channel: c.channel,
    path: `${c.repo}/${c.channel}/`,
    current: channels.find((x) => x.repo === c.repo && x.channel === c.channel)?.current ?? null,
    versions: versions.filter((v) => v.repo === c.repo && v.channel === c.channel).map(versionView),
  }));
}

export interface VersionDetail extends VersionView {
  /** What it changed against the version it was made from. */
  added: string[];
  removed: string[];
}

/** One version of a channel with its diff to the one before. @throws NotFoundError */
export async function versionDetail(ctx: Context, platform: string, repo: string, channel: string, number: number): Promise<VersionDetail> {
  const db = releasesDb(ctx);
  const v = await db.selectFrom('repo_versions').selectAll().where('platform', '=', platform).where('repo', '=', repo).where('channel', '=', channel).where('number', '=', number).executeTakeFirst();
  if (!v) throw new NotFoundError(`${platform}/${repo}/${channel} has no version ${number}`);
  const changes = await db.selectFrom('repo_version_changes').selectAll().where('version_id', '=', v.id).execute();
  return {
    ...versionView(v),
    added: changes.filter((c) => c.change === 'added').map((c) => nevra(c)).sort(),
    removed: changes.filter((c) => c.change === 'removed').map((c) => nevra(c)).sort(),
  };
}
