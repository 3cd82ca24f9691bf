/**
 * Signing by itself: a platform whose `tests.autoSign` is set has each build signed, with the
 * first key it allows, once every test of the build passed. The builds loop calls
 * {@link autoSignTestedBuilds}; it asks only for builds that are succeeded, not signed, have no
 * sign task yet, had a test end recently, and whose every rpm task's newest test task succeeded
 * (a test run again after a failure counts; requestSigning checks again).
 */
import type { Context } from '../context.ts';
import { DistforgeError } from '../errors.ts';
import { findPlatform } from '../platforms/index.ts';
import { requestSigning } from './requests.ts';
import { signingDb } from './schema.ts';

/** How far back test results are looked at. */
const WINDOW_MS = 24 * 3600_000;

/** Requests signing of fully tested builds on auto-signing platforms whose tests ended recently; returns how many. */
export async function autoSignTestedBuilds(ctx: Context): Promise<number> {
  const db = signingDb(ctx);
  const candidates = await db
    .selectFrom('builds as b')
    .select(['b.id', 'b.platforms'])
    .where('b.state', '=', 'succeeded')
    .where(({ exists, not, selectFrom }) => not(exists(selectFrom('tasks as s').select('s.id').whereRef('s.build_id', '=', 'b.id').where('s.kind', '=', 'sign'))))
    .where(({ exists, selectFrom }) => exists(selectFrom('tasks as t').select('t.id').whereRef('t.build_id', '=', 'b.id').where('t.kind', '=', 'test').where('t.finished_at', '>=', ctx.now() - WINDOW_MS)))
    // No test that is still to run, failed or was cancelled, unless a newer test of the same packages replaced it.
    .where(({ exists, not, selectFrom }) =>
      not(
        exists(
          selectFrom('tasks as t')
            .innerJoin('task_dependencies as d', 'd.task_id', 't.id')
            .select('t.id')
            .whereRef('t.build_id', '=', 'b.id')
            .where('t.kind', '=', 'test')
            .where('t.state', '<>', 'succeeded')
            .where(({ exists: has, not: no, selectFrom: from }) =>
              no(has(from('tasks as n').innerJoin('task_dependencies as nd', 'nd.task_id', 'n.id').select('n.id').whereRef('nd.depends_on', '=', 'd.depends_on').where('n.kind', '=', 'test').whereRef('n.id', '>', 't.id'))),
            ),
        ),
      ),
    )
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
