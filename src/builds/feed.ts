/**
 * The builds feed (GET /api/v1/builds): builds newest first, filtered (feed-filters.ts), a page
 * at a time, either by `offset` or after a cursor (`before`: builds older than that id, so that
 * builds submitted meanwhile never shift a page: no build shown twice, none skipped). Each build
 * comes as a list item (feed-items.ts): the build's own fields and, compactly, its sources,
 * package names, task counts by state, signed and released.
 *
 * `total`: with only the filters the list had before the feed (`state`) it is the exact count
 * (an index count). With any other filter or a search it counts up to {@link TOTAL_CAP} and stops
 * (`totalExact: false`: "1,000+"), because counting every build a broad filter matches is the
 * slow part of other feeds at this size; a search whose prefix is broad is not counted at all
 * (`total` is then what the pages so far have shown, plus one when there are more).
 */
import { sql, type SqlBool, type Expression } from 'kysely';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { BROAD_SEARCH, feedConditions, packageMatchSql, RARE, type FeedFilters, type FeedPlan } from './feed-filters.ts';
import { decorateBuilds, type BuildListItem } from './feed-items.ts';
import { parseSearch } from './feed-search.ts';
import { buildsDb } from './schema.ts';

/** `total` stops counting here when a filter besides `state` is given. */
export const TOTAL_CAP = 1000;

export interface FeedQuery extends FeedFilters {
  limit: number;
  offset: number;
  /** Only builds with a smaller id (the `nextBefore` of the page before). */
  before?: number;
  /** Only public builds (anonymous callers). */
  publicOnly: boolean;
}

export interface BuildPage {
  builds: BuildListItem[];
  /** Builds matching (cursor aside): exact when totalExact, else a lower bound. */
  total: number;
  totalExact: boolean;
  limit: number;
  offset: number;
  /** The `before` of the next (older) page, or null when this page is the last. */
  nextBefore: number | null;
}

/** Index entries matching `where` in `table`, counted up to `limit` + 1 (an index range: cheap). */
async function countUpTo(ctx: Context, table: 'artifact_packages' | 'tasks' | 'build_items', alias: string, where: Expression<SqlBool>, limit: number): Promise<number> {
  const row = await sql<{ n: number | string }>`SELECT count(*) AS n FROM (SELECT 1 FROM ${sql.table(table)} ${sql.raw(alias)} WHERE ${where} LIMIT ${limit + 1}) x`.execute(ctx.db.kysely);
  return Number(row.rows[0]?.n ?? 0);
}

/** How the filters that may be sets or per-build tests run (feed-filters.ts): decided by counting a few index entries. */
async function feedPlan(ctx: Context, filters: FeedFilters): Promise<FeedPlan> {
  const packages = filters.q === undefined ? null : parseSearch(filters.q).packages;
  const { arch, ref } = filters;
  const [searched, arches, refs] = await Promise.all([
    packages ? countUpTo(ctx, 'artifact_packages', 'p', packageMatchSql(packages), BROAD_SEARCH) : 0,
    arch !== undefined ? countUpTo(ctx, 'tasks', 't', sql<SqlBool>`t.arch = ${arch} AND t.kind IN ('srpm', 'rpm')`, RARE) : 0,
    ref !== undefined ? countUpTo(ctx, 'build_items', 'i', sql<SqlBool>`i.git_ref = ${ref}`, RARE) : 0,
  ]);
  return { broadSearch: searched > BROAD_SEARCH, rareArch: arches <= RARE, rareRef: refs <= RARE };
}

function whereAll(conditions: Expression<SqlBool>[]): Expression<SqlBool> {
  return conditions.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${sql.join(conditions, sql` AND `)}`;
}

/**
 * A page of the feed.
 * @throws UsageError for a malformed nevra, or a cursor given with an offset.
 */
export async function listBuilds(ctx: Context, asked: FeedQuery): Promise<BuildPage> {
  if (asked.before !== undefined && asked.offset > 0) throw new UsageError('give either before (a cursor) or offset, not both');
  // An empty search box searches nothing.
  const { q, ...rest } = asked;
  const query: FeedQuery = q === undefined || q.trim() === '' ? rest : asked;
  const plan = await feedPlan(ctx, query);
  const conditions = feedConditions(ctx.db.dialect, query, plan);
  if (query.publicOnly) conditions.unshift(sql<SqlBool>`b.public = 1`);
  const page = query.before === undefined ? conditions : [...conditions, sql<SqlBool>`b.id < ${query.before}`];
  const db = buildsDb(ctx);
  // The page and the count are independent: on PostgreSQL they run at once, on two connections.
  const [rows, counted] = await Promise.all([
    db
      .selectFrom('builds as b')
      .selectAll('b')
      .where(whereAll(page))
      .orderBy('b.id', 'desc')
      .limit(query.limit + 1)
      .offset(query.offset)
      .execute(),
    plan.broadSearch ? null : countBuilds(ctx, query, conditions),
  ]);
  const more = rows.length > query.limit;
  const shown = more ? rows.slice(0, query.limit) : rows;
  const seen = query.offset + shown.length + (more ? 1 : 0);
  const { total, exact } = counted === null ? { total: seen, exact: false } : counted.exact ? counted : { total: Math.max(counted.total, seen), exact: false };
  return {
    builds: await decorateBuilds(ctx, shown, query),
    total,
    totalExact: exact,
    limit: query.limit,
    offset: query.offset,
    nextBefore: more ? (shown[shown.length - 1]?.id ?? null) : null,
  };
}

/** Whether a filter besides the list's original ones is given. */
function feedFiltered(f: FeedFilters): boolean {
  return [f.owner, f.platform, f.arch, f.package, f.nevra, f.ref, f.signed, f.released, f.q].some((v) => v !== undefined);
}

/** The count of the builds matching `conditions` (the cursor aside): exact, or TOTAL_CAP and not exact (see the top). */
async function countBuilds(ctx: Context, query: FeedQuery, conditions: Expression<SqlBool>[]): Promise<{ total: number; exact: boolean }> {
  const db = buildsDb(ctx);
  if (!feedFiltered(query)) {
    const row = await db.selectFrom('builds as b').select((eb) => eb.fn.countAll<number>().as('n')).where(whereAll(conditions)).executeTakeFirstOrThrow();
    return { total: Number(row.n), exact: true };
  }
  const capped = db.selectFrom('builds as b').select('b.id').where(whereAll(conditions)).limit(TOTAL_CAP + 1);
  const row = await db.selectFrom(capped.as('x')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const n = Number(row.n);
  return n > TOTAL_CAP ? { total: TOTAL_CAP, exact: false } : { total: n, exact: true };
}
