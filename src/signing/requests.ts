/**
 * Asking for a build to be signed: one sign task per package (build item) and platform, depending
 * on that item's srpm and rpm tasks (so the signer's lease lists exactly their packages), with the
 * key recorded beside it; then one sign-repo task per platform, depending on those, that signs the
 * repomd.xml of the build's repositories once they serve the signed packages. Only a succeeded build is signed, only with a key the platform allows;
 * packages already signed with that key and items with a sign task under way are skipped, so
 * asking twice does not sign twice.
 *
 * A platform whose `tests.gate` is set (the default when it tests) signs only packages whose
 * newest test passed (src/testing). A request is refused (409) when a newest test failed or was
 * cancelled, or a package was never tested; tests still to run are refused too, unless the
 * request says `waitForTests`: then each item's sign task also depends on the tests of its
 * packages still to run, so the scheduler queues it once they pass and cancels it (and the
 * sign-repo task after it) when one fails. The server waits, not the client: a client that goes
 * away leaves the request standing, and the scheduler's dependencies already do exactly this.
 */
import type { Context } from '../context.ts';
import { lockForTransaction } from '../db/cluster-lock.ts';
import { NotFoundError } from '../errors.ts';
import { findPlatform } from '../platforms/index.ts';
import { blockedTask, enqueueReadyTasks, inTransaction } from '../scheduler/index.ts';
import { ACTIVE_STATES, createTestTasks, describeRpm, lockTestStates, testedRpms } from '../testing/index.ts';
import { KeyNotAllowedError, NotSignableError } from './errors.ts';
import { checkKeyId, platformKeys } from './keys.ts';
import { signingDb } from './schema.ts';

export interface SignRequest {
  buildId: number;
  /** The key; default the first key the platform allows. */
  keyid?: string;
  requestedBy: number | null;
  /**
   * On a platform gating on tests, tests still to run are waited for (the sign tasks depend on
   * them, and are cancelled if one fails) instead of refusing the request.
   */
  waitForTests?: boolean;
}

export interface SignRequestResult {
  /** The sign and sign-repo tasks created (none when everything is signed or being signed already). */
  taskIds: number[];
  /** The key per platform. */
  keys: Record<string, string>;
  /** The test tasks the new sign tasks wait for (with waitForTests). */
  waitingFor: AwaitedTest[];
}

/** The key that signs `platform`'s packages. @throws KeyNotAllowedError, NotSignableError, NotFoundError */
async function keyFor(ctx: Context, platform: string, wanted: string | undefined): Promise<string> {
  const allowed = await platformKeys(ctx, platform);
  if (wanted !== undefined) {
    const id = checkKeyId(wanted);
    const known = await signingDb(ctx).selectFrom('signing_keys').select('keyid').where('keyid', '=', id).executeTakeFirst();
    if (!known) throw new NotFoundError(`key ${id} is not known (a signer registers its keys when it starts)`);
    if (!allowed.includes(id)) throw new KeyNotAllowedError(id, platform);
    return id;
  }
  const first = allowed[0];
  if (first === undefined) throw new NotSignableError(`no key may sign platform ${platform}: an admin allows one (PUT /api/v1/keys/KEYID/platforms)`);
  return first;
}

/** A test task a sign request waits for. */
export interface AwaitedTest {
  taskId: number;
  rpmTaskId: number;
  itemId: number;
  package: string | null;
  platform: string;
  arch: string;
  state: string;
}

/**
 * When the platform gates signing on tests, each succeeded rpm task of the build on it must have
 * a newest test that passed, or (with `wait`) is still to run: those are returned, for the sign
 * tasks to depend on. @throws NotSignableError naming a failed test first, then a package never
 * tested, then (without `wait`) the tests still running
 */
async function testGate(ctx: Context, buildId: number, platform: string, wait: boolean): Promise<AwaitedTest[]> {
  const p = await findPlatform(ctx, platform).catch(() => null);
  if (!p?.tests?.gate) return [];
  const prefix = `platform ${platform} signs only tested packages`;
  const rpms = await testedRpms(ctx, buildId, platform);
  const active = rpms.filter((r) => r.test && ACTIVE_STATES.includes(r.test.state));
  // Tests that end now are seen ending: locked (PostgreSQL) and read again.
  const states = await lockTestStates(ctx, active.map((r) => r.test?.id ?? 0));
  for (const r of rpms) if (r.test && states.has(r.test.id)) r.test.state = states.get(r.test.id) ?? r.test.state;
  const failed = rpms.find((r) => r.test?.state === 'failed' || r.test?.state === 'cancelled');
  if (failed?.test) {
    const how = failed.test.state === 'failed' ? `failed: ${failed.test.failureReason ?? ''}` : 'was cancelled';
    throw new NotSignableError(`${prefix}: test task ${failed.test.id} (${describeRpm(failed)}) ${how}; \`distforge build test ${buildId}\` runs it again`);
  }
  const untested = rpms.find((r) => r.test === null);
  if (untested) throw new NotSignableError(`${prefix}, and ${describeRpm(untested)} (rpm task ${untested.rpmTaskId}) was never tested (its build ended before the platform tested packages, or long ago): \`distforge build test ${buildId}\` tests it`);
  const running = rpms.filter((r) => r.test && ACTIVE_STATES.includes(r.test.state));
  if (running.length > 0 && !wait) {
    const list = running.map((r) => `test task ${r.test?.id} (${describeRpm(r)}) is ${r.test?.state}`).join(', ');
    throw new NotSignableError(`${prefix}, and ${running.length === 1 ? 'one is' : `${running.length} are`} still being tested: ${list}; ask again once they pass, or wait for them (build sign --wait, waitForTests)`);
  }
  return running.map((r) => ({ taskId: r.test?.id ?? 0, rpmTaskId: r.rpmTaskId, itemId: r.itemId, package: r.package, platform, arch: r.arch, state: r.test?.state ?? '' }));
}

/**
 * A sign-repo task of (build, platform) with `keyid` is still to run, or succeeded after the last
 * package signature of the build on that platform (so the metadata it signed is still what the
 * repositories serve).
 */
async function repoSignatureUnderWay(ctx: Context, buildId: number, platform: string, keyid: string): Promise<boolean> {
  const db = signingDb(ctx);
  const tasks = await db
    .selectFrom('tasks as t')
    .innerJoin('sign_requests as r', 'r.task_id', 't.id')
    .select(['t.state', 't.finished_at'])
    .where('t.build_id', '=', buildId)
    .where('t.kind', '=', 'sign-repo')
    .where('t.platform', '=', platform)
    .where('r.keyid', '=', keyid)
    .where('t.state', 'in', ['blocked', 'queued', 'leased', 'succeeded'])
    .execute();
  if (tasks.some((t) => t.state !== 'succeeded')) return true;
  const lastRepoSigning = Math.max(-1, ...tasks.map((t) => t.finished_at ?? -1));
  if (lastRepoSigning < 0) return false;
  const newer = await db
    .selectFrom('signatures as s')
    .innerJoin('tasks as st', 'st.id', 's.sign_task_id')
    .select('s.id')
    .where('st.build_id', '=', buildId)
    .where('st.platform', '=', platform)
    .where('s.signed_at', '>', lastRepoSigning)
    .executeTakeFirst();
  return newer === undefined;
}

/** Creates the sign tasks of a build. @throws NotFoundError, NotSignableError, KeyNotAllowedError */
export async function requestSigning(ctx: Context, req: SignRequest): Promise<SignRequestResult> {
  // The test tasks the builds loop is about to make (the build has just finished): made now, so a
  // request right after the build ended waits for them rather than finding them missing.
  await createTestTasks(ctx, { buildId: req.buildId });
  return inTransaction(ctx, async (tx) => {
    const db = signingDb(tx);
    // Two requests at once (two masters' builds loops) never both make the sign tasks (PostgreSQL).
    await lockForTransaction(tx.db, `sign-request:${req.buildId}`);
    const build = await db.selectFrom('builds').select(['id', 'state', 'platforms', 'priority', 'owner_id']).where('id', '=', req.buildId).executeTakeFirst();
    if (!build) throw new NotFoundError(`build ${req.buildId} does not exist`);
    if (build.state !== 'succeeded') throw new NotSignableError(`build ${build.id} is ${build.state}: only a succeeded build is signed`);
    const platforms = JSON.parse(build.platforms) as string[];
    const keys: Record<string, string> = {};
    const waitingFor: AwaitedTest[] = [];
    for (const p of platforms) waitingFor.push(...(await testGate(tx, build.id, p, req.waitForTests === true)));
    for (const p of platforms) keys[p] = await keyFor(tx, p, req.keyid);

    const building = await db
      .selectFrom('tasks')
      .select(['id', 'item_id', 'platform', 'max_attempts'])
      .where('build_id', '=', build.id)
      .where('kind', 'in', ['srpm', 'rpm'])
      .where('state', '=', 'succeeded')
      .orderBy('id')
      .$narrowType<{ item_id: number }>()
      .execute();
    // Items with a sign task still to run.
    const active = await db.selectFrom('tasks').select(['item_id', 'platform']).where('build_id', '=', build.id).where('kind', '=', 'sign').where('state', 'in', ['blocked', 'queued', 'leased']).execute();
    const groups = new Map<string, { itemId: number; platform: string; deps: number[]; maxAttempts: number }>();
    for (const t of building) {
      const key = `${t.item_id}/${t.platform}`;
      const g = groups.get(key) ?? { itemId: t.item_id, platform: t.platform, deps: [], maxAttempts: t.max_attempts };
      g.deps.push(t.id);
      groups.set(key, g);
    }
    // An item's sign task also waits for the tests of its packages still to run (a failed one cancels it).
    const testsOf = (g: { itemId: number; platform: string }): number[] => waitingFor.filter((w) => w.itemId === g.itemId && w.platform === g.platform).map((w) => w.taskId);
    const now = tx.now();
    const taskIds: number[] = [];
    const created: { id: number; itemId: number; platform: string }[] = [];
    for (const g of groups.values()) {
      const keyid = keys[g.platform];
      if (keyid === undefined) continue;
      if (active.some((a) => a.item_id === g.itemId && a.platform === g.platform)) continue;
      const pending = await db
        .selectFrom('artifacts as a')
        .select('a.id')
        .where('a.task_id', 'in', g.deps)
        .where('a.kind', 'in', ['srpm', 'rpm'])
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('signatures as s').select('s.id').whereRef('s.artifact_id', '=', 'a.id').where('s.keyid', '=', keyid))))
        .executeTakeFirst();
      if (!pending) continue;
      const task = await db
        .insertInto('tasks')
        .values(blockedTask({ buildId: build.id, itemId: g.itemId, kind: 'sign', platform: g.platform, arch: 'noarch', priority: build.priority, ownerId: build.owner_id, maxAttempts: g.maxAttempts, now }))
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('task_dependencies').values([...g.deps, ...testsOf(g)].map((d) => ({ task_id: task.id, depends_on: d }))).execute();
      await db.insertInto('sign_requests').values({ task_id: task.id, keyid, requested_by: req.requestedBy, requested_at: now }).execute();
      taskIds.push(task.id);
      created.push({ id: task.id, itemId: g.itemId, platform: g.platform });
    }
    for (const platform of platforms) {
      const keyid = keys[platform];
      const first = building.find((t) => t.platform === platform);
      if (keyid === undefined || !first) continue;
      const after = created.filter((c) => c.platform === platform).map((c) => c.id);
      if (after.length === 0 && (await repoSignatureUnderWay(tx, build.id, platform, keyid))) continue;
      // Package signing still under way (another key's, say) changes the repositories too: wait for it.
      const pending = await db.selectFrom('tasks').select('id').where('build_id', '=', build.id).where('platform', '=', platform).where('kind', '=', 'sign').where('state', 'in', ['blocked', 'queued', 'leased']).execute();
      for (const p of pending) if (!after.includes(p.id)) after.push(p.id);
      // The repositories' metadata is signed once their packages are: it depends on the new sign tasks.
      const task = await db
        .insertInto('tasks')
        .values(blockedTask({ buildId: build.id, itemId: first.item_id, kind: 'sign-repo', platform, arch: 'noarch', priority: build.priority, ownerId: build.owner_id, maxAttempts: first.max_attempts, now }))
        .returning('id')
        .executeTakeFirstOrThrow();
      if (after.length > 0) await db.insertInto('task_dependencies').values(after.map((d) => ({ task_id: task.id, depends_on: d }))).execute();
      await db.insertInto('sign_requests').values({ task_id: task.id, keyid, requested_by: req.requestedBy, requested_at: now }).execute();
      taskIds.push(task.id);
    }
    if (taskIds.length > 0) await enqueueReadyTasks(tx, build.id);
    return { taskIds, keys, waitingFor: waitingFor.filter((w) => created.some((c) => c.itemId === w.itemId && c.platform === w.platform)) };
  });
}
