/**
 * Signatures as builds show them: for each built package (artifact id) its latest signed version
 * (sha256, size, key, time), and whether a build is signed (every srpm and rpm of its succeeded
 * building tasks has a signature).
 */
import type { Context } from '../context.ts';
import { signingDb } from './schema.ts';

export interface SignedVersion {
  sha256: string;
  size: number;
  keyid: string;
  signedAt: number;
}

/** Latest signature of each signed package of a build, by artifact id. */
export async function signedVersions(ctx: Context, buildId: number): Promise<Map<number, SignedVersion>> {
  const rows = await signingDb(ctx)
    .selectFrom('signatures as s')
    .innerJoin('tasks as t', 't.id', 's.sign_task_id')
    .select(['s.artifact_id', 's.sha256', 's.size', 's.keyid', 's.signed_at'])
    .where('t.build_id', '=', buildId)
    .orderBy('s.signed_at')
    .orderBy('s.id')
    .execute();
  const out = new Map<number, SignedVersion>();
  for (const r of rows) out.set(r.artifact_id, { sha256: r.sha256, size: r.size, keyid: r.keyid, signedAt: r.signed_at });
  return out;
}

/**
 * Whether the build has packages, whether one of them is unsigned (each lookup stops at the first
 * row found), and when it was marked signed; undefined for no such build.
 */
export async function buildSigningState(ctx: Context, buildId: number): Promise<{ packages: boolean; unsigned: boolean; signedAt: number | null } | undefined> {
  const row = await signingDb(ctx)
    .selectFrom('builds as b')
    .select((eb) => {
      const packages = () =>
        eb
          .selectFrom('artifacts as a')
          .innerJoin('tasks as t', 't.id', 'a.task_id')
          .select('a.id')
          .whereRef('t.build_id', '=', 'b.id')
          .where('t.kind', 'in', ['srpm', 'rpm'])
          .where('t.state', '=', 'succeeded')
          .where('a.kind', 'in', ['srpm', 'rpm']);
      return [
        'b.signed_at',
        eb.exists(packages()).as('packages'),
        eb.exists(packages().where((w) => w.not(w.exists(w.selectFrom('signatures as s').select('s.id').whereRef('s.artifact_id', '=', 'a.id'))))).as('unsigned'),
      ];
    })
    .where('b.id', '=', buildId)
    .executeTakeFirst();
  return row && { packages: Boolean(row.packages), unsigned: Boolean(row.unsigned), signedAt: row.signed_at ?? null };
}

/** True when the build has packages and every one is signed. */
export async function isBuildSigned(ctx: Context, buildId: number): Promise<boolean> {
  const state = await buildSigningState(ctx, buildId);
  return state !== undefined && state.packages && !state.unsigned;
}

/** True while a sign or sign-repo task of the build is still to run. */
export async function signingUnderWay(ctx: Context, buildId: number): Promise<boolean> {
  const row = await ctx.db.kysely.selectFrom('tasks').select('id').where('build_id', '=', buildId).where('kind', 'in', ['sign', 'sign-repo']).where('state', 'in', ['blocked', 'queued', 'leased']).executeTakeFirst();
  return row !== undefined;
}
