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

/** True when the build has packages and every one is signed (two lookups that stop at the first row found). */
export async function isBuildSigned(ctx: Context, buildId: number): Promise<boolean> {
  const db = signingDb(ctx);
  const packages = () =>
    db
      .selectFrom('artifacts as a')
      .innerJoin('tasks as t', 't.id', 'a.task_id')
      .select('a.id')
      .where('t.build_id', '=', buildId)
      .where('t.kind', 'in', ['srpm', 'rpm'])
      .where('t.state', '=', 'succeeded')
      .where('a.kind', 'in', ['srpm', 'rpm'])
      .limit(1);
  if ((await packages().executeTakeFirst()) === undefined) return false;
  const unsigned = await packages()
    .where((eb) => eb.not(eb.exists(eb.selectFrom('signatures as s').select('s.id').whereRef('s.artifact_id', '=', 'a.id'))))
    .executeTakeFirst();
  return unsigned === undefined;
}

/** True while a sign or sign-repo task of the build is still to run. */
export async function signingUnderWay(ctx: Context, buildId: number): Promise<boolean> {
  const row = await ctx.db.kysely.selectFrom('tasks').select('id').where('build_id', '=', buildId).where('kind', 'in', ['sign', 'sign-repo']).where('state', 'in', ['blocked', 'queued', 'leased']).executeTakeFirst();
  return row !== undefined;
}
