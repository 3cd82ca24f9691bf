/**
 * The conditions of the builds feed, one SQL condition per filter over `builds b`, each served by
 * an index (migration 0014) in one of two ways:
 * - a filter that a build passes or fails on its own row, or with one index probe (state, owner,
 *   visibility, platform, signed, arch, released), is tested on each build as the newest-first
 *   walk of the builds reaches it: a page stops after `limit` matches;
 * - a filter that picks out few builds among many (a package name, a NEVRA, a tag, a search) is
 *   the set of build ids its index range yields (`b.id IN (…)`), which the walk follows.
 * Three can be either, decided per request by counting a few index entries (feed.ts): a search
 * whose prefix matches more than {@link BROAD_SEARCH} packages (`lib`) is tested per build, and so
 * is a git ref of more than {@link RARE} sources (a branch) and an arch of more than RARE tasks:
 * such a filter matches builds everywhere and the walk finds a page soon, where the set would be
 * much of an index; a rarer one is the set, since the walk would test every build to find the
 * few.
 *
 * Signed is builds.signed_at, which the signing domain sets in the transaction recording a build's
 * last signatures. Released reads the release system's tables (release_builds, releases) by name:
 * src/releases imports this domain, so this domain does not import it.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Dialect } from '../db/connection.ts';
import { itemNameKeySql } from '../db/migrations/0014-builds-feed.ts';
import type { BuildState } from '../db/schema.ts';
import { asciiLower } from '../scheduler/index.ts';
import { parseNevraFilter, parseSearch, prefixEnd, type PackageMatch } from './feed-search.ts';

/** A search prefix matching more packages than this is tested per build (see above). */
export const BROAD_SEARCH = 20_000;
/** An arch of at most this many tasks, a git ref of at most this many sources, is a set of builds (see above). */
export const RARE = 5_000;

/** The filters of GET /builds, as the route passes them (checked by its schema). */
export interface FeedFilters {
  state?: BuildState;
  /** User name. */
  owner?: string;
  platform?: string;
  /** A build (srpm or rpm) task of the build has this arch. */
  arch?: string;
  /** A source package (build item) or a package the build made has this name. */
  package?: string;
  /** The build made this package (`name-[epoch:]version-release.arch`). */
  nevra?: string;
  /** A git source of the build is at this ref (as given at submit). */
  ref?: string;
  /** It has packages and every one is signed (builds.signed_at, set by src/signing). */
  signed?: boolean;
  /** In a release that is released (published and not reverted). */
  released?: boolean;
  /** The search box: a build id or a package NEVRA prefix (src/builds/feed-search.ts). */
  q?: string;
}

/** Packages `p` (artifact_packages) matching `m`: one range (or key) of the key index, and the epoch. */
export function packageMatchSql(m: PackageMatch): RawBuilder<SqlBool> {
  const range = m.whole ? sql<SqlBool>`p.key = ${m.key}` : sql<SqlBool>`p.key >= ${m.key} AND p.key < ${prefixEnd(m.key)}`;
  return m.epoch === null ? range : sql<SqlBool>`${range} AND coalesce(p.epoch, 0) = ${m.epoch}`;
}

/** Build ids that made a package matching `m`. */
function madePackageIds(m: PackageMatch): RawBuilder<unknown> {
  return sql`SELECT p.build_id FROM artifact_packages p WHERE ${packageMatchSql(m)}`;
}

/** Whether build `b` made a package matching `m` (tested per build). */
function madePackage(m: PackageMatch): RawBuilder<SqlBool> {
  return sql`EXISTS (SELECT 1 FROM artifact_packages p WHERE p.build_id = b.id AND ${packageMatchSql(m)})`;
}

/** Ranges of build items' lower-case package names starting with `prefix`. */
function itemNameRange(dialect: Dialect, prefix: string): RawBuilder<SqlBool> {
  const key = sql.raw(itemNameKeySql(dialect, 'i'));
  return sql`${key} >= ${prefix} AND ${key} < ${prefixEnd(prefix)}`;
}

/** How the filters that may be sets or per-build tests are run (the counts that decide are feed.ts's). */
export interface FeedPlan {
  /** The search's package prefix matches many packages: tested per build. */
  broadSearch: boolean;
  /** Few tasks have the arch asked for: the set of their builds. */
  rareArch: boolean;
  /** Few sources are at the git ref asked for (a tag, rather than a branch many builds are of): the set of their builds. */
  rareRef: boolean;
}

/**
 * The search box's condition: the build id, or a package made or a source package named so. A
 * narrow search is one set (a union: an OR of sets would make PostgreSQL test every build
 * against each); a broad one, tests per build.
 */
function searchSql(dialect: Dialect, q: string, plan: FeedPlan): RawBuilder<SqlBool> {
  const search = parseSearch(q);
  const packages = search.packages;
  const byId = search.buildId === null ? null : sql<SqlBool>`b.id = ${search.buildId}`;
  if (!packages) return byId ?? sql<SqlBool>`1 = 0`;
  const named = packages.epoch === null;
  if (plan.broadSearch) {
    const any = [byId, madePackage(packages), named ? sql<SqlBool>`EXISTS (SELECT 1 FROM build_items i WHERE i.build_id = b.id AND ${itemNameRange(dialect, packages.key)})` : null];
    return sql<SqlBool>`(${sql.join(any.filter((c) => c !== null), sql` OR `)})`;
  }
  const sets = [
    madePackageIds(packages),
    named ? sql`SELECT i.build_id FROM build_items i WHERE ${itemNameRange(dialect, packages.key)}` : null,
    search.buildId === null ? null : sql`SELECT id FROM builds WHERE id = ${search.buildId}`,
  ];
  return sql<SqlBool>`b.id IN (${sql.join(sets.filter((c) => c !== null), sql` UNION `)})`;
}

/**
 * The conditions for `filters` over `builds b` (besides visibility and the cursor).
 * @throws UsageError for a malformed nevra.
 */
export function feedConditions(dialect: Dialect, filters: FeedFilters, plan: FeedPlan): Expression<SqlBool>[] {
  const out: RawBuilder<SqlBool>[] = [];
  const { state, owner, platform, arch, ref, nevra, q, signed, released } = filters;
  if (state !== undefined) out.push(sql`b.state = ${state}`);
  if (owner !== undefined) out.push(sql`b.owner_id = (SELECT u.id FROM users u WHERE u.name = ${owner})`);
  if (platform !== undefined) {
    // The JSON array holds each name in quotes: "el9" is never found inside "el9-beta".
    const quoted = JSON.stringify(platform);
    out.push(dialect === 'postgres' ? sql`strpos(b.platforms, ${quoted}) > 0` : sql`instr(b.platforms, ${quoted}) > 0`);
  }
  if (signed !== undefined) out.push(signed ? sql`b.signed_at IS NOT NULL` : sql`b.signed_at IS NULL`);
  if (arch !== undefined) {
    // The arches it builds for (srpm: src); its sign tasks are noarch whatever it builds.
    const built = sql`t.arch = ${arch} AND t.kind IN ('srpm', 'rpm')`;
    out.push(plan.rareArch ? sql`b.id IN (SELECT t.build_id FROM tasks t WHERE ${built})` : sql`EXISTS (SELECT 1 FROM tasks t WHERE ${built} AND t.build_id = b.id)`);
  }
  if (ref !== undefined) {
    out.push(plan.rareRef ? sql`b.id IN (SELECT i.build_id FROM build_items i WHERE i.git_ref = ${ref})` : sql`EXISTS (SELECT 1 FROM build_items i WHERE i.build_id = b.id AND i.git_ref = ${ref})`);
  }
  if (filters.package !== undefined) {
    const name = filters.package;
    const key = sql.raw(itemNameKeySql(dialect, 'i'));
    out.push(sql`b.id IN (SELECT i.build_id FROM build_items i WHERE ${key} = ${asciiLower(name)} AND i.name = ${name}
      UNION SELECT p.build_id FROM artifact_packages p WHERE p.name = ${name})`);
  }
  if (nevra !== undefined) out.push(sql`b.id IN (${madePackageIds(parseNevraFilter(nevra))})`);
  if (q !== undefined) out.push(searchSql(dialect, q, plan));
  if (released !== undefined) {
    const inRelease = sql<SqlBool>`EXISTS (SELECT 1 FROM release_builds rb JOIN releases rl ON rl.id = rb.release_id WHERE rb.build_id = b.id AND rl.state = 'released')`;
    out.push(released ? inRelease : sql`NOT ${inRelease}`);
  }
  return out;
}
