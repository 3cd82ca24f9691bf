/**
 * Which blobs the database names: the registry's columns (registry.ts) read as one SELECT
 * DISTINCT each, either all of them or only among given sha256s. A declared table the database
 * does not have is skipped when it is optional and refused otherwise (the registry and the schema
 * disagree: collecting then could delete what an unknown column names).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Context } from '../context.ts';
import type { Dialect } from '../db/connection.ts';
import { BLOB_REFERENCES, type BlobReference, type ReferenceTime } from './registry.ts';

/** The registry's entries whose tables exist. @throws Error naming a declared table or column the database lacks */
export async function presentReferences(ctx: Context, registry: readonly BlobReference[] = BLOB_REFERENCES): Promise<BlobReference[]> {
  const tables = new Map((await ctx.db.kysely.introspection.getTables()).map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
  return registry.filter((r) => {
    const columns = tables.get(r.table);
    if (!columns) {
      if (r.optional) return false;
      throw new Error(`the blob reference registry names table ${r.table}, which the database does not have`);
    }
    if (!columns.has(r.column)) throw new Error(`the blob reference registry names ${r.table}.${r.column}, which the database does not have`);
    return true;
  });
}

/** SELECT DISTINCT of the sha256s `r` names (among `among`, when given). */
function namedBy(r: BlobReference, dialect: Dialect, at: ReferenceTime, among?: readonly string[]): RawBuilder<{ sha256: string }> {
  const table = sql.table(r.table);
  const column = sql.ref(`r.${r.column}`);
  const json = r.holds === 'json-object-values';
  const value = json ? sql.ref('j.value') : column;
  const from = !json ? sql`${table} AS r` : dialect === 'postgres' ? sql`${table} AS r CROSS JOIN LATERAL json_each_text(${column}::json) AS j` : sql`${table} AS r, json_each(${column}) AS j`;
  const conditions: RawBuilder<unknown>[] = [sql`${value} IS NOT NULL`];
  if (r.where) conditions.push(r.where(at));
  if (among) conditions.push(sql`${value} IN (${sql.join(among.map((s) => sql`${s}`))})`);
  return sql<{ sha256: string }>`SELECT DISTINCT ${value} AS sha256 FROM ${from} WHERE ${sql.join(conditions, sql` AND `)}`;
}

/** Every sha256 the registry's tables name now. */
export async function allReferenced(ctx: Context, refs: readonly BlobReference[], at: ReferenceTime): Promise<Set<string>> {
  const out = new Set<string>();
  for (const r of refs) {
    const rows = await namedBy(r, ctx.db.dialect, at).execute(ctx.db.kysely);
    for (const row of rows.rows) out.add(String(row.sha256));
  }
  return out;
}

/** Of `sha256s`, those the registry's tables name now. */
export async function referencedAmong(ctx: Context, refs: readonly BlobReference[], at: ReferenceTime, sha256s: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  if (sha256s.length === 0) return out;
  for (const r of refs) {
    for (let i = 0; i < sha256s.length; i += 500) {
      const rows = await namedBy(r, ctx.db.dialect, at, sha256s.slice(i, i + 500)).execute(ctx.db.kysely);
      for (const row of rows.rows) out.add(String(row.sha256));
    }
  }
  return out;
}
