/**
 * A page of the builds feed as list items: each build's own fields (as GET /builds always gave
 * them) and what a feed shows of it without opening it — its first sources with their git refs,
 * its package names, how many of its tasks are in each state, whether it is signed and released,
 * and, for a package search, the packages that matched. A handful of queries per page, each over
 * the page's build ids (one array parameter, so each query is one prepared statement).
 *
 * Signed and released ({@link buildMarks}) are also what a git package's pipeline shows of each
 * build (src/git/pipeline.ts), so that the two never disagree.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Context } from '../context.ts';
import type { TaskState } from '../db/schema.ts';
import { redactCredentials } from '../util/git-url.ts';
import { packageMatchSql, type FeedFilters } from './feed-filters.ts';
import { parseNevraFilter, parseSearch, type PackageMatch } from './feed-search.ts';
import type { BuildRow } from './schema.ts';
import { buildSummary, type BuildSummary } from './view.ts';

/** Sources shown per build; `sourceCount` says how many it has. */
export const LIST_SOURCES = 10;
/** Package names shown per build (the first sources'). */
export const LIST_PACKAGES = 100;
/** Matching packages shown per build. */
export const LIST_MATCHES = 10;

const TASK_STATES: TaskState[] = ['blocked', 'queued', 'leased', 'succeeded', 'failed', 'cancelled'];

export interface ListSource {
  package: string | null;
  kind: 'git' | 'srpm';
  /** git sources: the URL (credentials masked), the ref as given and the commit it resolved to. */
  url: string | null;
  ref: string | null;
  commit: string | null;
  srpmSha256: string | null;
}

export type TaskCounts = Record<TaskState, number> & { total: number };

export interface BuildListItem extends BuildSummary {
  /** The first LIST_SOURCES sources, in order. */
  sources: ListSource[];
  sourceCount: number;
  /** Source package names of the first LIST_PACKAGES sources, each once. */
  packages: string[];
  /** The build's tasks (every kind) by state. */
  tasks: TaskCounts;
  /** It has packages and every one is signed. */
  signed: boolean;
  /** When its last package was signed (null while not signed). */
  signedAt: number | null;
  /** It is in a release that is released (published, not reverted). */
  released: boolean;
  /** With a package search (q, nevra or package): the NEVRAs of the build's packages that matched (at most LIST_MATCHES). */
  matches?: string[];
}


/** Whether a build is signed and released, as the feed and a git package's pipeline show it. */
export interface BuildMarks {
  /** It has packages and every one is signed (builds.signed_at, set by src/signing). */
  signed: boolean;
  /** When its last package was signed (null while not signed). */
  signedAt: number | null;
  /** It is in a release that is released (published, not reverted). */
  released: boolean;
  /** Those releases' ids, newest first. */
  releasedIn: number[];
}

/**
 * The marks of each of `rows` (builds with their signed_at), by build id: one query over the
 * releases of all of them. Released reads the release system's tables by name (see
 * feed-filters.ts: src/releases imports this domain, so this domain does not import it).
 */
export async function buildMarks(ctx: Context, rows: Pick<BuildRow, 'id' | 'signed_at'>[]): Promise<Map<number, BuildMarks>> {
  const out = new Map<number, BuildMarks>();
  if (rows.length === 0) return out;
  const released = await sql<{ build_id: number; release_id: number }>`
    SELECT rb.build_id, rb.release_id FROM release_builds rb JOIN releases rl ON rl.id = rb.release_id
    WHERE ${inIds(ctx, 'rb.build_id', rows.map((r) => r.id))} AND rl.state = 'released' ORDER BY rb.release_id DESC`.execute(ctx.db.kysely);
  const releasedIn = new Map<number, number[]>();
  for (const r of released.rows) releasedIn.set(r.build_id, [...(releasedIn.get(r.build_id) ?? []), r.release_id]);
  for (const row of rows) {
    const signedAt = row.signed_at ?? null;
    const ids = releasedIn.get(row.id) ?? [];
    out.set(row.id, { signed: signedAt !== null, signedAt, released: ids.length > 0, releasedIn: ids });
  }
  return out;
}

/** `column` is one of `ids` (an array parameter: the same statement whatever the page). */
export function inIds(ctx: Context, column: string, ids: number[]): RawBuilder<SqlBool> {
  const ref = sql.ref(column);
  return ctx.db.dialect === 'postgres' ? sql`${ref} = ANY(CAST(${ids} AS integer[]))` : sql`${ref} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

/** What the matches of a page are looked up by: the search's packages, else the nevra, else the package name. */
function matchOf(filters: FeedFilters): PackageMatch | { name: string } | null {
  const searched = filters.q === undefined ? null : parseSearch(filters.q).packages;
  if (searched) return searched;
  if (filters.nevra !== undefined) return parseNevraFilter(filters.nevra);
  if (filters.package !== undefined) return { name: filters.package };
  return null;
}

async function matchesOf(ctx: Context, ids: number[], filters: FeedFilters): Promise<Map<number, string[]> | null> {
  const m = matchOf(filters);
  if (!m) return null;
  const match = 'name' in m ? sql<SqlBool>`p.name = ${m.name}` : packageMatchSql(m);
  const rows = await sql<{ build_id: number; nevra: string }>`
    SELECT DISTINCT p.build_id, p.nevra FROM artifact_packages p WHERE ${inIds(ctx, 'p.build_id', ids)} AND ${match}`.execute(ctx.db.kysely);
  const out = new Map<number, string[]>();
  for (const r of rows.rows) out.set(r.build_id, [...(out.get(r.build_id) ?? []), r.nevra]);
  for (const [id, list] of out) out.set(id, list.sort().slice(0, LIST_MATCHES));
  return out;
}

/** The list items of a page of builds (rows newest first). */
export async function decorateBuilds(ctx: Context, rows: BuildRow[], filters: FeedFilters): Promise<BuildListItem[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const db = ctx.db.kysely;
  const [owners, items, itemCounts, taskCounts, marks, matches] = await Promise.all([
    sql<{ id: number; name: string }>`SELECT id, name FROM users WHERE ${inIds(ctx, 'id', [...new Set(rows.map((r) => r.owner_id))])}`.execute(db),
    sql<{ build_id: number; position: number; kind: 'git' | 'srpm'; name: string | null; git_url: string | null; git_ref: string | null; git_commit: string | null; srpm_sha256: string | null }>`
      SELECT build_id, position, kind, name, git_url, git_ref, git_commit, srpm_sha256 FROM build_items
      WHERE ${inIds(ctx, 'build_id', ids)} AND position < ${LIST_PACKAGES} ORDER BY build_id, position`.execute(db),
    sql<{ build_id: number; n: number | string }>`SELECT build_id, count(*) AS n FROM build_items WHERE ${inIds(ctx, 'build_id', ids)} GROUP BY build_id`.execute(db),
    sql<{ build_id: number; state: TaskState; n: number | string }>`SELECT build_id, state, count(*) AS n FROM tasks WHERE ${inIds(ctx, 'build_id', ids)} GROUP BY build_id, state`.execute(db),
    buildMarks(ctx, rows),
    matchesOf(ctx, ids, filters),
  ]);
  const itemsOf = new Map<number, typeof items.rows>();
  for (const i of items.rows) itemsOf.set(i.build_id, [...(itemsOf.get(i.build_id) ?? []), i]);
  const sourceCount = new Map(itemCounts.rows.map((r) => [r.build_id, Number(r.n)]));
  const tasksOf = new Map<number, TaskCounts>();
  for (const t of taskCounts.rows) {
    const counts = tasksOf.get(t.build_id) ?? emptyCounts();
    counts[t.state] += Number(t.n);
    counts.total += Number(t.n);
    tasksOf.set(t.build_id, counts);
  }
  const ownerNames = new Map(owners.rows.map((u) => [u.id, u.name]));
  return rows.map((row) => {
    const own = itemsOf.get(row.id) ?? [];
    return {
      ...buildSummary(row, ownerNames.get(row.owner_id) ?? `#${row.owner_id}`),
      sources: own.slice(0, LIST_SOURCES).map((i) => ({
        package: i.name,
        kind: i.kind,
        url: i.kind === 'git' ? redactCredentials(i.git_url ?? '') : null,
        ref: i.git_ref,
        commit: i.git_commit,
        srpmSha256: i.srpm_sha256,
      })),
      sourceCount: sourceCount.get(row.id) ?? 0,
      packages: [...new Set(own.map((i) => i.name).filter((n): n is string => n !== null))],
      tasks: tasksOf.get(row.id) ?? emptyCounts(),
      ...feedMarks(marks.get(row.id)),
      ...(matches && { matches: matches.get(row.id) ?? [] }),
    };
  });
}

/** What the feed shows of a build's marks (not the releases' ids). */
function feedMarks(m: BuildMarks | undefined): Pick<BuildListItem, 'signed' | 'signedAt' | 'released'> {
  return { signed: m?.signed ?? false, signedAt: m?.signedAt ?? null, released: m?.released ?? false };
}

function emptyCounts(): TaskCounts {
  const counts = { total: 0 } as TaskCounts;
  for (const s of TASK_STATES) counts[s] = 0;
  return counts;
}
