/**
 * The packages an advisory names must be built packages of its platform: an RPM or SRPM indexed
 * in rpm_packages (by sha256) that is an artifact of a succeeded task of that platform. Each is
 * resolved to its NEVRA parts and the source package it was built from.
 */
import type { Context } from '../context.ts';
import type { RpmPackagesTable } from '../db/schema.ts';
import { UnknownPackageError } from './errors.ts';
import { sourceOf, type Nevra } from './nevra.ts';
import type { AdvisoryPackage } from './types.ts';

/** Names per query (far below SQLite's and PostgreSQL's parameter limits). */
const CHUNK = 500;

type BuiltRow = Pick<RpmPackagesTable, 'name' | 'epoch' | 'version' | 'release' | 'arch' | 'sourcerpm'>;

/** The built packages of `platform` called one of `names`. */
async function builtPackagesNamed(ctx: Context, platform: string, names: string[]): Promise<BuiltRow[]> {
  const out: BuiltRow[] = [];
  for (let i = 0; i < names.length; i += CHUNK) {
    const rows = await ctx.db.kysely
      .selectFrom('rpm_packages as r')
      .innerJoin('artifacts as a', 'a.sha256', 'r.sha256')
      .innerJoin('tasks as t', 't.id', 'a.task_id')
      .select(['r.name', 'r.epoch', 'r.version', 'r.release', 'r.arch', 'r.sourcerpm'])
      .distinct()
      .where('t.platform', '=', platform)
      .where('t.state', '=', 'succeeded')
      .where('a.kind', 'in', ['rpm', 'srpm'])
      .where('r.name', 'in', names.slice(i, i + CHUNK))
      .execute();
    out.push(...rows);
  }
  return out;
}

function sameNevra(row: BuiltRow, n: Nevra): boolean {
  return row.name === n.name && (row.epoch || null) === n.epoch && row.version === n.version && row.release === n.release && row.arch === n.arch;
}

/**
 * The packages `wanted` (checked NEVRAs, in order) as built packages of `platform`.
 * @throws UnknownPackageError (422) naming every NEVRA that is not one.
 */
export async function resolvePackages(ctx: Context, platform: string, wanted: { text: string; nevra: Nevra }[]): Promise<AdvisoryPackage[]> {
  const rows = await builtPackagesNamed(ctx, platform, [...new Set(wanted.map((w) => w.nevra.name))]);
  const unknown: string[] = [];
  const out: AdvisoryPackage[] = [];
  for (const w of wanted) {
    const row = rows.find((r) => sameNevra(r, w.nevra));
    if (!row) unknown.push(w.text);
    else out.push({ nevra: w.text, ...w.nevra, source: sourceOf(w.nevra, row.sourcerpm) });
  }
  if (unknown.length > 0) throw new UnknownPackageError(unknown, platform);
  return out;
}
