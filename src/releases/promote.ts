/**
 * Promotion between release repositories of one platform (testing → stable): a release whose
 * packages are those a repository with `promoteTo` holds and its target does not, placed in the
 * target (binary packages; their debuginfo and SRPMs follow to the target's twins), and taken out
 * of the source repository by the same publication. It runs every check of a release, plus
 * `soak`: each package has been in the source repository for `promoteAfterDays` (forceable).
 */
import type { Context } from '../context.ts';
import { NotFoundError, UsageError } from '../errors.ts';
import { refuseIfEndOfLife } from '../platforms/lifecycle.ts';
import type { PlatformReleaseRepository, PlatformReleases } from '../platforms/types.ts';
import { nevra } from '../rpm/index.ts';
import { inTransaction } from '../scheduler/index.ts';
import type { CheckedPackage, CheckResult } from './checks.ts';
import { channelPath, type ChannelRef } from './content.ts';
import { packageKind } from './placement.ts';
import { getRelease, placeRelease, releasablePlatform, type BuiltPackage } from './plan.ts';
import { releasesDb, type PackageKind, type ReleaseRow } from './schema.ts';

const DAY_MS = 86_400_000;

export interface PromotionRequest {
  platform: string;
  /** The release repository packages are promoted from (it names its target with promoteTo). */
  from: string;
  /** Only these NEVRAs (binary packages; their debuginfo and SRPM follow); default every package waiting. */
  packages?: string[];
  note?: string;
  userId: number | null;
}

function sourceRepo(releases: PlatformReleases, platform: string, from: string): PlatformReleaseRepository & { promoteTo: string } {
  const repo = releases.repositories.find((r) => r.name === from);
  if (!repo) throw new NotFoundError(`platform ${platform} has no release repository ${from}`);
  if (repo.promoteTo === undefined) throw new UsageError(`release repository ${from} of ${platform} promotes to nothing (set promoteTo in its definition)`);
  return repo as PlatformReleaseRepository & { promoteTo: string };
}

/** A released package of the source repository, with the build it came from. */
type Waiting = BuiltPackage;

/** Packages in `from` (any of its channels) whose NEVRA none of `to`'s channels holds. */
async function waitingPackages(ctx: Context, platform: string, from: string, to: string): Promise<Waiting[]> {
  const db = releasesDb(ctx);
  const inFrom = await db
    .selectFrom('channel_packages as c')
    .innerJoin('artifacts as a', 'a.id', 'c.artifact_id')
    .innerJoin('tasks as t', 't.id', 'a.task_id')
    .innerJoin('rpm_packages as r', 'r.sha256', 'a.sha256')
    .select(['c.artifact_id', 't.build_id', 'c.name', 'c.epoch', 'c.version', 'c.release', 'c.arch', 'r.sourcerpm'])
    .where('c.platform', '=', platform)
    .where('c.repo', '=', from)
    .orderBy('c.name')
    .orderBy('c.arch')
    .execute();
  const inTo = new Set((await db.selectFrom('channel_packages').select(['name', 'epoch', 'version', 'release', 'arch']).where('platform', '=', platform).where('repo', '=', to).execute()).map((p) => nevra(p)));
  const out = new Map<number, Waiting>();
  for (const p of inFrom) {
    if (p.artifact_id === null || p.build_id === null || inTo.has(nevra(p)) || out.has(p.artifact_id)) continue;
    out.set(p.artifact_id, { artifactId: p.artifact_id, buildId: p.build_id, name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, sourcerpm: p.sourcerpm });
  }
  return [...out.values()];
}

/** Keeps the asked binary packages and the debuginfo packages and SRPMs of their builds. @throws UsageError naming a package not waiting */
function selectAsked(waiting: Waiting[], asked: readonly string[], from: string): Waiting[] {
  const byNevra = new Map(waiting.map((w) => [nevra(w), w]));
  const builds = new Set<number>();
  for (const n of asked) {
    const w = byNevra.get(n);
    if (!w) throw new UsageError(`${n} is not in ${from} waiting for promotion`);
    if (packageKind(w.name, w.arch) !== 'binary') throw new UsageError(`${n}: name binary packages; their debuginfo packages and SRPM follow them`);
    builds.add(w.buildId);
  }
  const wanted = new Set(asked);
  return waiting.filter((w) => wanted.has(nevra(w)) || (builds.has(w.buildId) && packageKind(w.name, w.arch) !== 'binary'));
}

/** Plans a promotion. @throws NotFoundError, NotReleasableError, UsageError */
export async function createPromotion(ctx: Context, req: PromotionRequest): Promise<number> {
  const platform = await releasablePlatform(ctx, req.platform);
  refuseIfEndOfLife(platform, ctx.now());
  const from = sourceRepo(platform.releases, platform.name, req.from);
  const waiting = await waitingPackages(ctx, platform.name, from.name, from.promoteTo);
  const chosen = req.packages && req.packages.length > 0 ? selectAsked(waiting, req.packages, from.name) : waiting;
  if (chosen.length === 0) throw new UsageError(`nothing in ${from.name} waits for promotion to ${from.promoteTo}`);
  return inTransaction(ctx, async (tx) => {
    const now = tx.now();
    const db = releasesDb(tx);
    const row = await db
      .insertInto('releases')
      .values({ platform: platform.name, state: 'planned', note: req.note ?? null, forced: 0, created_by: req.userId, created_at: now, updated_at: now, committed_by: null, committed_at: null, released_at: null, reverted_by: null, reverted_at: null, sign_task_id: null, failure_reason: null, promote_from: from.name })
      .returning('id')
      .executeTakeFirstOrThrow();
    const builds = [...new Set(chosen.map((c) => c.buildId))];
    if (builds.length > 0) await db.insertInto('release_builds').values(builds.map((b) => ({ release_id: row.id, build_id: b }))).execute();
    const reason = `promoted from ${from.name} to ${from.promoteTo}`;
    await db
      .insertInto('release_packages')
      .values(chosen.map((p) => {
        const kind = packageKind(p.name, p.arch) as PackageKind;
        const binary = kind === 'binary';
        return { release_id: row.id, build_id: p.buildId, artifact_id: p.artifactId, kind, name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, sourcerpm: p.sourcerpm, repos: binary ? JSON.stringify([from.promoteTo]) : '[]', moved: binary ? 1 : 0, reason: binary ? reason : '' };
      }))
      .execute();
    await placeRelease(tx, await getRelease(tx, row.id), platform.releases);
    return row.id;
  });
}

/** Each package's days in the source repository of a promotion, against promoteAfterDays. */
export async function soakChecks(ctx: Context, release: ReleaseRow, releases: PlatformReleases, packages: readonly CheckedPackage[]): Promise<CheckResult[]> {
  if (release.promote_from === null) return [];
  const from = releases.repositories.find((r) => r.name === release.promote_from);
  const days = from?.promoteAfterDays ?? 0;
  const ids = packages.map((p) => p.row.artifact_id);
  const since = new Map<number, number>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await releasesDb(ctx)
      .selectFrom('channel_packages as c')
      .innerJoin('releases as r', 'r.id', 'c.release_id')
      .select(['c.artifact_id', 'r.released_at'])
      .where('c.platform', '=', release.platform)
      .where('c.repo', '=', release.promote_from)
      .where('c.artifact_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) if (r.artifact_id !== null && r.released_at !== null) since.set(r.artifact_id, Math.min(since.get(r.artifact_id) ?? Infinity, Number(r.released_at)));
  }
  const now = ctx.now();
  return packages.map((p): CheckResult => {
    const at = since.get(p.row.artifact_id);
    if (at === undefined) return { package: p.nevra, check: 'soak', ok: false, message: `not in ${release.promote_from} (any more): only what it holds is promoted` };
    const held = Math.floor((now - at) / DAY_MS);
    return held >= days
      ? { package: p.nevra, check: 'soak', ok: true, message: `in ${release.promote_from} for ${held} day(s) (${days} needed)` }
      : { package: p.nevra, check: 'soak', ok: false, forceable: true, message: `in ${release.promote_from} for ${held} day(s) of the ${days} it needs before promotion; --force promotes it now` };
  });
}

/** The channels of the source repository a promotion takes its packages out of, with the NEVRAs each loses. */
export async function promotionRemovals(ctx: Context, release: ReleaseRow, promoted: ReadonlySet<string>): Promise<{ ref: ChannelRef; nevras: Set<string> }[]> {
  if (release.promote_from === null) return [];
  const rows = await releasesDb(ctx).selectFrom('channel_packages').select(['repo', 'channel', 'name', 'epoch', 'version', 'release', 'arch']).where('platform', '=', release.platform).where('repo', '=', release.promote_from).execute();
  const out = new Map<string, { ref: ChannelRef; nevras: Set<string> }>();
  for (const r of rows) {
    const n = nevra(r);
    if (!promoted.has(n)) continue;
    const ref = { repo: r.repo, channel: r.channel };
    const entry = out.get(channelPath(ref)) ?? { ref, nevras: new Set<string>() };
    entry.nevras.add(n);
    out.set(channelPath(ref), entry);
  }
  return [...out.values()];
}
