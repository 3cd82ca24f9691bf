/**
 * Testing a build on request (`distforge build test ID`, `POST /api/v1/builds/ID/test`): a test
 * task for every built rpm task that has none (the build finished before its platform tested
 * packages, or long ago) or whose newest test failed or was cancelled (run again: a new task, the
 * old one kept). Packages whose newest test passed or is still to run are left as they are. Only a
 * succeeded build is tested, and only on platforms with `tests`.
 */
import type { Context } from '../context.ts';
import type { TaskState } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { checkName, findPlatform } from '../platforms/index.ts';
import { inTransaction } from '../scheduler/index.ts';
import { NotTestableError } from './errors.ts';
import { testedRpms, type TestedRpm } from './results.ts';
import { addTestTask } from './tasks.ts';

export interface TestRequest {
  buildId: number;
  /** Only this platform of the build (default: every platform of the build that tests). */
  platform?: string;
  /** Who asked (for the task events). */
  requestedBy: string;
}

/** One built rpm task and the test task that now stands for it. */
export interface TestRequestEntry {
  rpmTaskId: number;
  package: string | null;
  platform: string;
  arch: string;
  /** The new test task, or the newest one when none was made. */
  taskId: number;
  state: TaskState;
  /** A new test task: the one it runs again (null: the first test of these packages). */
  again?: number | null;
}

export interface TestRequestResult {
  buildId: number;
  /** Test tasks made. */
  made: TestRequestEntry[];
  /** Packages left as they are: their newest test passed or is still to run. */
  kept: TestRequestEntry[];
}

/** The build's platforms to test: `wanted`, or every one with tests. @throws InvalidNameError, NotFoundError, NotTestableError */
async function platformsToTest(ctx: Context, buildId: number, platforms: string[], wanted: string | undefined): Promise<string[]> {
  if (wanted !== undefined) checkName('platform name', wanted);
  if (wanted !== undefined && !platforms.includes(wanted)) throw new NotFoundError(`build ${buildId} was not built for platform ${wanted} (its platforms: ${platforms.join(', ')})`);
  const named = wanted === undefined ? platforms : [wanted];
  const testing: string[] = [];
  for (const name of named) if ((await findPlatform(ctx, name).catch(() => null))?.tests) testing.push(name);
  if (testing.length > 0) return testing;
  const which = wanted === undefined ? `none of build ${buildId}'s platforms (${platforms.join(', ')}) tests` : `platform ${wanted} does not test`;
  throw new NotTestableError(`${which} packages: a platform tests them once its definition has a tests section (docs/testsystem.md)`);
}

/**
 * Makes the test tasks of build `req.buildId` that are missing or to run again, in one
 * transaction. @throws NotFoundError, NotTestableError
 */
export async function requestTests(ctx: Context, req: TestRequest): Promise<TestRequestResult> {
  const build = await ctx.db.kysely.selectFrom('builds').select(['id', 'state', 'platforms']).where('id', '=', req.buildId).executeTakeFirst();
  if (!build) throw new NotFoundError(`build ${req.buildId} does not exist`);
  if (build.state !== 'succeeded') throw new NotTestableError(`build ${build.id} is ${build.state}: only a succeeded build is tested on request`);
  const platforms = await platformsToTest(ctx, build.id, JSON.parse(build.platforms) as string[], req.platform);
  return inTransaction(ctx, async (tx) => {
    const result: TestRequestResult = { buildId: build.id, made: [], kept: [] };
    const entry = (r: TestedRpm, taskId: number, state: TaskState): TestRequestEntry => ({ rpmTaskId: r.rpmTaskId, package: r.package, platform: r.platform, arch: r.arch, taskId, state });
    for (const platform of platforms) {
      for (const r of await testedRpms(tx, build.id, platform)) {
        const rpm = await tx.db.kysely.selectFrom('tasks').selectAll().where('id', '=', r.rpmTaskId).$narrowType<{ build_id: number; item_id: number }>().executeTakeFirstOrThrow();
        const made = await addTestTask(tx, { rpm, when: 'untested-or-failed', why: `asked by ${req.requestedBy}` });
        if (made) {
          const state = (await tx.db.kysely.selectFrom('tasks').select('state').where('id', '=', made.id).executeTakeFirstOrThrow()).state;
          result.made.push({ ...entry(r, made.id, state), again: made.again });
        } else if (r.test) {
          result.kept.push(entry(r, r.test.id, r.test.state));
        }
      }
    }
    ctx.log.info({ buildId: build.id, made: result.made.map((m) => m.taskId), by: req.requestedBy }, 'tests requested');
    return result;
  });
}
