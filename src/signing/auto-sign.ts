/**
 * Signing by itself: a platform whose `tests.autoSign` is set has each build signed, with the
 * first key it allows, once every test of the build passed. The builds loop calls
 * {@link autoSignTestedBuilds}; it asks only for builds that are succeeded, not signed, have no
 * sign task yet, and whose every rpm task has a succeeded test task (requestSigning checks again).
 */
import type { Context } from '../context.ts';
import { DistforgeError } from '../errors.ts';
import { findPlatform } from '../platforms/index.ts';
import { requestSigning } from './requests.ts';
import { signingDb } from './schema.ts';

/** How far back finished builds are looked at. */
const WINDOW_MS = 24 * 3600_000;

/** Requests signing of recently finished, fully tested builds on auto-signing platforms; returns how many. */
export async function autoSignTestedBuilds(ctx: Context): Promise<number> {
  const db = signingDb(ctx);
  const candidates = await db
    .selectFrom('builds as b')
    .select(['b.id', 'b.platforms'])
    .where('b.state', '=', 'succeeded')
    .where('b.finished_at', '>=', ctx.now() - WINDOW_MS)
    .where(({ exists, not, selectFrom }) => not(exists(selectFrom('tasks as s').select('s.id').whereRef('s.build_id', '=', 'b.id').where('s.kind', '=', 'sign'))))
    .where(({ exists, selectFrom }) => exists(selectFrom('tasks as t').select('t.id').whereRef('t.build_id', '=', 'b.id').where('t.kind', '=', 'test')))
    .where(({ exists, not, selectFrom }) => not(exists(selectFrom('tasks as t').select('t.id').whereRef('t.build_id', '=', 'b.id').where('t.kind', '=', 'test').where('t.state', '<>', 'succeeded'))))
    .orderBy('b.id')
    .limit(100)
    .execute();
  let asked = 0;
  for (const b of candidates) {
    const platforms = JSON.parse(b.platforms) as string[];
    const auto = await Promise.all(platforms.map(async (p) => Boolean((await findPlatform(ctx, p).catch(() => null))?.tests?.autoSign)));
    if (!auto.every(Boolean)) continue;
    try {
      const r = await requestSigning(ctx, { buildId: b.id, requestedBy: null });
      if (r.taskIds.length > 0) {
        asked++;
        ctx.log.info({ buildId: b.id, keys: r.keys }, 'tests passed: signing requested');
      }
    } catch (e) {
      // Not signable yet (a test task still missing) or no key allowed: logged, tried again later.
      if (!(e instanceof DistforgeError)) throw e;
      ctx.log.debug({ buildId: b.id, reason: e.message }, 'not signed automatically');
    }
  }
  return asked;
}
