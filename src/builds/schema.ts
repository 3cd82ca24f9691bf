/**
 * The tables the builds domain reads and writes, with the columns migration 0004 adds (the
 * item-level dependency graph, spec facts, rebuild origin, fan-out record) on top of
 * src/db/schema.ts.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Context } from '../context.ts';
import type { BuildItemsTable, BuildsTable, Database, Millis } from '../db/schema.ts';

export interface BuildItemsGraphTable extends BuildItemsTable {
  /** JSON array of build_items ids of the same build this item waits for. */
  depends_on: string;
  /** Path of the spec file in the git tree (or in the SRPM), once known. */
  spec_path: string | null;
  /** JSON array of BuildRequires as rpmspec printed them. */
  build_requires: string | null;
  /** JSON array of what the item's binary packages provide (names included). */
  provides: string | null;
}

export interface BuildsWithOriginTable extends BuildsTable {
  /** The build this one repeats (`build rebuild`), else null. */
  rebuild_of: number | null;
  /** Secret part of the URL of the build's repositories (random hex), for callers without a token. */
  repo_key: string | null;
  /** A rebuild with the same package set: the build whose tasks' recorded roots its tasks install exactly. */
  buildroot_from: number | null;
}

/** One row per srpm task whose rpm tasks have been created (the fan-out happens once). */
export interface BuildFanoutsTable {
  task_id: number;
  at: Millis;
}

export type BuildsDatabase = Omit<Database, 'build_items' | 'builds'> & {
  build_items: BuildItemsGraphTable;
  builds: BuildsWithOriginTable;
  build_fanouts: BuildFanoutsTable;
};

export type BuildsKysely = Kysely<BuildsDatabase>;
export type BuildsTransaction = Transaction<BuildsDatabase>;
export type BuildRow = Selectable<BuildsWithOriginTable>;
export type BuildItemRow = Selectable<BuildItemsGraphTable>;

/** The database seen with the builds domain's columns. */
export function buildsDb(ctx: Context): BuildsKysely {
  return ctx.db.kysely as unknown as BuildsKysely;
}

/** Parses a JSON array column, [] when null or malformed. */
export function jsonArray<T = string>(text: string | null): T[] {
  if (text === null) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}
