/**
 * Reading advisories: one with its references and packages, the pages of a filtered list, and all
 * of a platform's released ones (the release system and the public feed). Lists are loaded with
 * one query per table (references and packages fetched for every advisory of the list at once).
 */
import { sql } from 'kysely';
import type { Context } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import type { AdvisoryFilter, AdvisoryPackage, AdvisoryPage, AdvisoryRecord, AdvisoryReference, AdvisoryState, AdvisorySummary, AdvisoryType, ReferenceType, Severity } from './types.ts';

const CHUNK = 500;

/** The advisories table with the names of the users who created, approved and retracted each. */
function withUsers(ctx: Context) {
  return ctx.db.kysely
    .selectFrom('advisories as a')
    .innerJoin('users as cu', 'cu.id', 'a.created_by')
    .leftJoin('users as au', 'au.id', 'a.approved_by')
    .leftJoin('users as ru', 'ru.id', 'a.retracted_by')
    .selectAll('a')
    .select(['cu.name as created_by_name', 'au.name as approved_by_name', 'ru.name as retracted_by_name']);
}

type Row = Awaited<ReturnType<ReturnType<typeof withUsers>['executeTakeFirstOrThrow']>>;

/** The references and packages of `ids`, by advisory id. */
async function listsOf(ctx: Context, ids: string[]): Promise<{ refs: Map<string, AdvisoryReference[]>; pkgs: Map<string, AdvisoryPackage[]> }> {
  const refs = new Map<string, AdvisoryReference[]>(ids.map((id) => [id, []]));
  const pkgs = new Map<string, AdvisoryPackage[]>(ids.map((id) => [id, []]));
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const r = await ctx.db.kysely.selectFrom('advisory_references').selectAll().where('advisory_id', 'in', chunk).orderBy('advisory_id').orderBy('position').execute();
    for (const x of r) refs.get(x.advisory_id)?.push({ type: x.type as ReferenceType, id: x.ref_id, href: x.href, title: x.title });
    const p = await ctx.db.kysely.selectFrom('advisory_packages').selectAll().where('advisory_id', 'in', chunk).orderBy('advisory_id').orderBy('position').execute();
    for (const x of p) {
      pkgs.get(x.advisory_id)?.push({
        nevra: x.nevra, name: x.name, epoch: x.epoch, version: x.version, release: x.release, arch: x.arch,
        source: { name: x.source_name, version: x.source_version, release: x.source_release },
      });
    }
  }
  return { refs, pkgs };
}

function toRecord(r: Row, references: AdvisoryReference[], packages: AdvisoryPackage[]): AdvisoryRecord {
  return {
    id: r.id,
    platform: r.platform,
    type: r.type as AdvisoryType,
    severity: r.severity as Severity | null,
    title: r.title,
    description: r.description,
    solution: r.solution,
    rebootSuggested: r.reboot_suggested === 1,
    state: r.state as AdvisoryState,
    references,
    packages,
    createdBy: r.created_by_name,
    createdAt: r.created_at,
    modifiedAt: r.modified_at,
    approvedBy: r.approved_by_name,
    approvedAt: r.approved_at,
    issuedAt: r.issued_at,
    updatedAt: r.updated_at,
    retractedBy: r.retracted_by_name,
    retractedAt: r.retracted_at,
    retractionReason: r.retraction_reason,
    releaseId: r.release_id,
  };
}

async function records(ctx: Context, rows: Row[]): Promise<AdvisoryRecord[]> {
  const { refs, pkgs } = await listsOf(ctx, rows.map((r) => r.id));
  return rows.map((r) => toRecord(r, refs.get(r.id) ?? [], pkgs.get(r.id) ?? []));
}

/** The advisory `id`, or null. */
export async function findAdvisory(ctx: Context, id: string): Promise<AdvisoryRecord | null> {
  const row = await withUsers(ctx).where('a.id', '=', id).executeTakeFirst();
  return row ? ((await records(ctx, [row]))[0] ?? null) : null;
}

/** The advisory `id`. @throws NotFoundError */
export async function getAdvisory(ctx: Context, id: string): Promise<AdvisoryRecord> {
  const a = await findAdvisory(ctx, id);
  if (!a) throw new NotFoundError(`no advisory ${id}`);
  return a;
}

/** Whether the public may see an advisory: it is, or was, released. */
export function isPublic(a: Pick<AdvisoryRecord, 'issuedAt'>): boolean {
  return a.issuedAt !== null;
}

/** A page of advisories matching `f`, newest first. */
export async function listAdvisories(ctx: Context, f: AdvisoryFilter): Promise<AdvisoryPage> {
  const db = ctx.db.kysely;
  let q = db.selectFrom('advisories as a');
  if (f.platform !== undefined) q = q.where('a.platform', '=', f.platform);
  if (f.type !== undefined) q = q.where('a.type', '=', f.type);
  if (f.state !== undefined) q = q.where('a.state', '=', f.state);
  if (f.publicOnly) q = q.where('a.issued_at', 'is not', null);
  if (f.cve !== undefined) {
    const cve = f.cve;
    q = q.where((eb) => eb.exists(eb.selectFrom('advisory_references as r').select('r.position').whereRef('r.advisory_id', '=', 'a.id').where('r.type', '=', 'cve').where('r.ref_id', '=', cve)));
  }
  if (f.package !== undefined) {
    const name = f.package;
    q = q.where((eb) => eb.exists(eb.selectFrom('advisory_packages as p').select('p.position').whereRef('p.advisory_id', '=', 'a.id').where((w) => w.or([w('p.name', '=', name), w('p.source_name', '=', name)]))));
  }
  const search = f.q?.trim();
  if (search) {
    // Ids and CVE ids are ASCII capitals: the search matches them in any case.
    const upper = search.replace(/[a-z]/g, (c) => c.toUpperCase());
    q = q.where((eb) => eb.or([
      eb(sql<string>`substr(a.id, 1, ${sql.lit(upper.length)})`, '=', upper),
      eb.exists(eb.selectFrom('advisory_references as r').select('r.position').whereRef('r.advisory_id', '=', 'a.id').where('r.type', '=', 'cve').where('r.ref_id', '=', upper)),
      eb.exists(eb.selectFrom('advisory_packages as p').select('p.position').whereRef('p.advisory_id', '=', 'a.id').where((w) => w.or([w('p.name', '=', search), w('p.source_name', '=', search), w('p.nevra', '=', search)]))),
    ]));
  }
  const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await q
    .select(['a.id', 'a.platform', 'a.type', 'a.severity', 'a.title', 'a.state', 'a.created_at', 'a.modified_at', 'a.issued_at', 'a.updated_at'])
    .orderBy('a.created_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(f.limit)
    .offset(f.offset)
    .execute();
  const cves = new Map<string, string[]>(rows.map((r) => [r.id, []]));
  const sources = new Map<string, string[]>(rows.map((r) => [r.id, []]));
  if (rows.length > 0) {
    const ids = [...cves.keys()];
    const refs = await db.selectFrom('advisory_references').select(['advisory_id', 'ref_id']).where('type', '=', 'cve').where('advisory_id', 'in', ids).orderBy('position').execute();
    for (const r of refs) cves.get(r.advisory_id)?.push(r.ref_id);
    const names = await db.selectFrom('advisory_packages').select(['advisory_id', 'source_name']).distinct().where('advisory_id', 'in', ids).execute();
    for (const n of names) sources.get(n.advisory_id)?.push(n.source_name);
    for (const list of sources.values()) list.sort();
  }
  const advisories: AdvisorySummary[] = rows.map((r) => ({
    id: r.id, platform: r.platform, type: r.type as AdvisoryType, severity: r.severity as Severity | null, title: r.title, state: r.state as AdvisoryState,
    cves: cves.get(r.id) ?? [], sourcePackages: sources.get(r.id) ?? [], createdAt: r.created_at, modifiedAt: r.modified_at, issuedAt: r.issued_at, updatedAt: r.updated_at,
  }));
  return { advisories, total, limit: f.limit, offset: f.offset };
}

/**
 * The advisories of `platform` in `states`, oldest release first (then by id): what each new
 * repository version carries (`released`), and the public feed (`released`, `retracted` after release).
 */
export async function platformAdvisories(ctx: Context, platform: string, states: AdvisoryState[]): Promise<AdvisoryRecord[]> {
  const rows = await withUsers(ctx)
    .where('a.platform', '=', platform)
    .where('a.state', 'in', states)
    .where('a.issued_at', 'is not', null)
    .orderBy('a.issued_at')
    .orderBy('a.id')
    .execute();
  return records(ctx, rows);
}
