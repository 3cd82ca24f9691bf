/**
 * Release plans: every package of the builds a user names, each placed in target repositories
 * with the reason (placement.ts), stored as rows that can be edited (move a binary package, drop a
 * package, add a build, add an advisory) until the plan is committed. -debuginfo packages and
 * SRPMs follow their binary packages: they are placed again after every edit.
 */
import type { Context } from '../context.ts';
import { NotFoundError, UsageError } from '../errors.ts';
import { refuseIfEndOfLife } from '../platforms/lifecycle.ts';
import { getPlatform } from '../platforms/store.ts';
import type { Platform, PlatformReleases } from '../platforms/types.ts';
import { nevra } from '../rpm/index.ts';
import { inTransaction } from '../scheduler/index.ts';
import { NotReleasableError, ReleaseStateError } from './errors.ts';
import { debugMain, packageKind, placeByName, placeDebuginfo, placeSource } from './placement.ts';
import { releasesDb, type PackageKind, type ReleasePackageRow, type ReleaseRow } from './schema.ts';

/** Most builds one plan takes. */
export const MAX_PLAN_BUILDS = 200;

/** A platform that has release repositories. @throws NotFoundError, NotReleasableError */
export async function releasablePlatform(ctx: Context, name: string): Promise<Platform & { releases: PlatformReleases }> {
  const platform = await getPlatform(ctx, name);
  if (!platform.releases) throw new NotReleasableError(`platform ${name} has no release repositories (add releases.repositories to its definition)`);
  return platform as Platform & { releases: PlatformReleases };
}

/** The release row. @throws NotFoundError */
export async function getRelease(ctx: Context, id: number): Promise<ReleaseRow> {
  const row = await releasesDb(ctx).selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`release ${id} does not exist`);
  return row;
}

/** A package of a build, as a plan takes it. */
export interface BuiltPackage {
  buildId: number;
  artifactId: number;
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  sourcerpm: string | null;
}

/** The SRPMs and RPMs a succeeded build made on `platform`. @throws NotFoundError, ReleaseStateError */
async function builtPackages(ctx: Context, buildId: number, platform: string): Promise<BuiltPackage[]> {
  const db = releasesDb(ctx);
  const build = await db.selectFrom('builds').select(['id', 'state', 'platforms']).where('id', '=', buildId).executeTakeFirst();
  if (!build) throw new NotFoundError(`build ${buildId} does not exist`);
  if (!(JSON.parse(build.platforms) as string[]).includes(platform)) throw new UsageError(`build ${buildId} was not built for platform ${platform}`);
  if (build.state !== 'succeeded') throw new ReleaseStateError(`build ${buildId} is ${build.state}: only a succeeded build is released`);
  const rows = await db
    .selectFrom('artifacts as a')
    .innerJoin('tasks as t', 't.id', 'a.task_id')
    .innerJoin('rpm_packages as r', 'r.sha256', 'a.sha256')
    .select(['a.id', 'r.name', 'r.epoch', 'r.version', 'r.release', 'r.arch', 'r.sourcerpm'])
    .where('t.build_id', '=', buildId)
    .where('t.platform', '=', platform)
    .where('t.kind', 'in', ['srpm', 'rpm'])
    .where('t.state', '=', 'succeeded')
    .where('a.kind', 'in', ['srpm', 'rpm'])
    .orderBy('a.id')
    .execute();
  const seen = new Set<string>();
  const out: BuiltPackage[] = [];
  for (const r of rows) {
    const key = nevra(r);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ buildId, artifactId: r.id, name: r.name, epoch: r.epoch, version: r.version, release: r.release, arch: r.arch, sourcerpm: r.sourcerpm });
  }
  if (out.length === 0) throw new ReleaseStateError(`build ${buildId} has no packages on platform ${platform}`);
  return out;
}

/** The name of the source package an RPM's SOURCERPM names (`gdbm-1.23-1.el9.src.rpm` → gdbm). */
export function sourceName(sourcerpm: string | null, fallback: string): string {
  return /^(.+)-[^-]+-[^-]+\.(no)?src\.rpm$/.exec(sourcerpm ?? '')?.[1] ?? fallback;
}

/** The SRPM file name of a source package row. */
function srpmFile(p: Pick<ReleasePackageRow, 'name' | 'version' | 'release' | 'arch'>): string {
  return `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`;
}

type Placed = Pick<ReleasePackageRow, 'id' | 'build_id' | 'kind' | 'name' | 'arch' | 'sourcerpm' | 'version' | 'release' | 'repos' | 'moved' | 'reason'>;

/**
 * Places every package of a plan: binary packages a user did not move by the rules, then
 * -debuginfo packages with their main package, then SRPMs with their binary packages.
 * Returns the rows whose placement changed.
 */
export function placePackages(releases: PlatformReleases, rows: readonly Placed[]): { id: number; repos: string[]; reason: string }[] {
  const placed = new Map<number, { repos: string[]; reason: string }>();
  const binary = rows.filter((r) => r.kind === 'binary');
  for (const r of binary) placed.set(r.id, r.moved === 1 ? { repos: JSON.parse(r.repos) as string[], reason: r.reason } : placeByName(releases, r.name));
  const reposOf = (ids: readonly Placed[]): string[] => [...new Set(ids.flatMap((x) => placed.get(x.id)?.repos ?? []))];
  for (const r of rows.filter((x) => x.kind === 'debuginfo')) {
    const main = debugMain(r.name, sourceName(r.sourcerpm, r.name));
    const mains = binary.filter((b) => b.name === main && b.build_id === r.build_id && (b.arch === r.arch || b.arch === 'noarch'));
    placed.set(r.id, mains.length > 0 ? placeDebuginfo(releases, r.name, main, reposOf(mains)) : placeDebuginfo(releases, r.name, main, placeByName(releases, main).repos));
  }
  for (const r of rows.filter((x) => x.kind === 'source')) {
    const file = srpmFile(r);
    placed.set(r.id, placeSource(releases, r.name, reposOf(binary.filter((b) => b.build_id === r.build_id && b.sourcerpm === file))));
  }
  const changed: { id: number; repos: string[]; reason: string }[] = [];
  for (const r of rows) {
    const p = placed.get(r.id);
    if (p && (JSON.stringify(p.repos) !== r.repos || p.reason !== r.reason)) changed.push({ id: r.id, ...p });
  }
  return changed;
}

/** Places the plan's packages again and stores what changed (inside the caller's transaction). */
export async function placeRelease(tx: Context, release: ReleaseRow, releases: PlatformReleases): Promise<void> {
  const db = releasesDb(tx);
  const rows = await db.selectFrom('release_packages').selectAll().where('release_id', '=', release.id).orderBy('id').execute();
  for (const c of placePackages(releases, rows)) {
    await db.updateTable('release_packages').set({ repos: JSON.stringify(c.repos), reason: c.reason }).where('id', '=', c.id).execute();
  }
  await db.updateTable('releases').set({ updated_at: tx.now() }).where('id', '=', release.id).execute();
}

/** Adds a build's packages to a plan (inside the caller's transaction). */
async function addBuildPackages(tx: Context, releaseId: number, platform: string, buildId: number): Promise<void> {
  const db = releasesDb(tx);
  const already = await db.selectFrom('release_builds').select('build_id').where('release_id', '=', releaseId).where('build_id', '=', buildId).executeTakeFirst();
  if (already) throw new UsageError(`build ${buildId} is already in release ${releaseId}`);
  const packages = await builtPackages(tx, buildId, platform);
  const present = await db.selectFrom('release_packages').select(['name', 'epoch', 'version', 'release', 'arch']).where('release_id', '=', releaseId).execute();
  const planned = new Set(present.map((p) => nevra(p)));
  for (const p of packages) {
    if (planned.has(nevra(p))) throw new UsageError(`${nevra(p)} of build ${buildId} is in release ${releaseId} already (from another build)`);
  }
  await db.insertInto('release_builds').values({ release_id: releaseId, build_id: buildId }).execute();
  await db
    .insertInto('release_packages')
    .values(packages.map((p) => ({ release_id: releaseId, build_id: buildId, artifact_id: p.artifactId, kind: packageKind(p.name, p.arch) as PackageKind, name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, sourcerpm: p.sourcerpm, repos: '[]', moved: 0, reason: '' })))
    .execute();
}

export interface PlanRequest {
  platform: string;
  builds: number[];
  advisories?: string[];
  /** Release repositories whose binary channels get a new version even without packages (new comps or modules.yaml). */
  republish?: string[];
  note?: string;
  userId: number | null;
}

/** Checks advisory ids of a plan (the errata domain's rules). */
export type AdvisoryCheck = (ctx: Context, platform: string, id: string) => Promise<void>;

/** Creates a plan. @throws NotFoundError, NotReleasableError, ReleaseStateError, UsageError, EndOfLifeError */
export async function createPlan(ctx: Context, req: PlanRequest, checkAdvisory: AdvisoryCheck): Promise<number> {
  const platform = await releasablePlatform(ctx, req.platform);
  refuseIfEndOfLife(platform, ctx.now());
  const republish = [...new Set(req.republish ?? [])];
  if (req.builds.length === 0 && (req.advisories ?? []).length === 0 && republish.length === 0) throw new UsageError('a plan needs builds, advisories (an amended advisory) or repositories to republish (new comps or modules): give one of them');
  for (const r of republish) if (!platform.releases.repositories.some((x) => x.name === r)) throw new NotFoundError(`platform ${platform.name} has no release repository ${r}`);
  if (new Set(req.builds).size !== req.builds.length) throw new UsageError('a build is named twice');
  return inTransaction(ctx, async (tx) => {
    const now = tx.now();
    const row = await releasesDb(tx)
      .insertInto('releases')
      .values({ platform: platform.name, state: 'planned', note: req.note ?? null, forced: 0, created_by: req.userId, created_at: now, updated_at: now, committed_by: null, committed_at: null, released_at: null, reverted_by: null, reverted_at: null, sign_task_id: null, failure_reason: null, republish: JSON.stringify(republish) })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const b of req.builds) await addBuildPackages(tx, row.id, platform.name, b);
    for (const a of new Set(req.advisories ?? [])) {
      await checkAdvisory(tx, platform.name, a);
      await releasesDb(tx).insertInto('release_advisories').values({ release_id: row.id, advisory_id: a }).execute();
    }
    await placeRelease(tx, await getRelease(tx, row.id), platform.releases);
    return row.id;
  });
}

/** A plan that may still be edited. @throws NotFoundError, ReleaseStateError */
async function editablePlan(tx: Context, id: number): Promise<ReleaseRow> {
  const release = await getRelease(tx, id);
  if (release.state !== 'planned') throw new ReleaseStateError(`release ${id} is ${release.state}: only a planned release can be edited`);
  return release;
}

/** Finds a plan's package by NEVRA. @throws NotFoundError */
async function planPackage(tx: Context, releaseId: number, wanted: string): Promise<ReleasePackageRow> {
  const rows = await releasesDb(tx).selectFrom('release_packages').selectAll().where('release_id', '=', releaseId).execute();
  const found = rows.find((r) => nevra(r) === wanted);
  if (!found) throw new NotFoundError(`release ${releaseId} has no package ${wanted}`);
  return found;
}

export type PlanEdit =
  | { kind: 'add-build'; buildId: number }
  | { kind: 'move'; package: string; repo: string; userName: string }
  | { kind: 'drop'; package: string }
  | { kind: 'add-advisory'; advisory: string }
  | { kind: 'drop-advisory'; advisory: string };

/** Edits a planned release. @throws NotFoundError, ReleaseStateError, UsageError */
export async function editPlan(ctx: Context, id: number, edit: PlanEdit, checkAdvisory: AdvisoryCheck): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const release = await editablePlan(tx, id);
    const platform = await releasablePlatform(tx, release.platform);
    const db = releasesDb(tx);
    switch (edit.kind) {
      case 'add-build':
        await addBuildPackages(tx, id, platform.name, edit.buildId);
        break;
      case 'move': {
        const p = await planPackage(tx, id, edit.package);
        if (p.kind !== 'binary') throw new UsageError(`${edit.package} is ${p.kind === 'source' ? 'an SRPM' : 'a debuginfo package'}: it follows its binary packages; move those`);
        if (!platform.releases.repositories.some((r) => r.name === edit.repo)) {
          throw new UsageError(`platform ${platform.name} has no release repository ${edit.repo} (it has ${platform.releases.repositories.map((r) => r.name).join(', ')})`);
        }
        await db.updateTable('release_packages').set({ repos: JSON.stringify([edit.repo]), moved: 1, reason: `moved to ${edit.repo} by ${edit.userName}` }).where('id', '=', p.id).execute();
        break;
      }
      case 'drop': {
        const p = await planPackage(tx, id, edit.package);
        await db.deleteFrom('release_packages').where('id', '=', p.id).execute();
        break;
      }
      case 'add-advisory':
        await checkAdvisory(tx, platform.name, edit.advisory);
        if (await db.selectFrom('release_advisories').select('advisory_id').where('release_id', '=', id).where('advisory_id', '=', edit.advisory).executeTakeFirst()) {
          throw new UsageError(`advisory ${edit.advisory} is in release ${id} already`);
        }
        await db.insertInto('release_advisories').values({ release_id: id, advisory_id: edit.advisory }).execute();
        break;
      case 'drop-advisory': {
        const gone = await db.deleteFrom('release_advisories').where('release_id', '=', id).where('advisory_id', '=', edit.advisory).executeTakeFirst();
        if (Number(gone.numDeletedRows) === 0) throw new NotFoundError(`release ${id} has no advisory ${edit.advisory}`);
        break;
      }
    }
    await placeRelease(tx, release, platform.releases);
  });
}

/** Deletes a plan that was never committed. @throws NotFoundError, ReleaseStateError */
export async function deletePlan(ctx: Context, id: number): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const release = await getRelease(tx, id);
    if (release.state !== 'planned' || release.committed_at !== null) throw new ReleaseStateError(`release ${id} is ${release.state}${release.committed_at !== null ? ' and was committed' : ''}: only a plan never committed can be deleted`);
    const db = releasesDb(tx);
    await db.deleteFrom('release_packages').where('release_id', '=', id).execute();
    await db.deleteFrom('release_builds').where('release_id', '=', id).execute();
    await db.deleteFrom('release_advisories').where('release_id', '=', id).execute();
    await db.deleteFrom('releases').where('id', '=', id).execute();
  });
}
