/**
 * Submitting a build: the request checked, platforms looked up, every source resolved (a git ref
 * to its commit and spec file, an SRPM to its upload) — all before anything is written — then the
 * build, its items and one srpm task per item and platform inserted in one transaction. No spec
 * is evaluated here: the srpm tasks find out, on nodes and in the sandbox, what each package needs
 * and provides, and the build's order follows from that (build-graph.ts), unless the user gave
 * an explicit order. A rebuild submits the same sources at the same commits.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from '../context.ts';
import { NotFoundError, UsageError } from '../errors.ts';
import { buildArches, findPlatform, listPlatforms, type Platform } from '../platforms/index.ts';
import { explicitGraph } from './dep-graph.ts';
import { UnknownPlatformError } from './errors.ts';
import { parseGitSource } from './git-source.ts';
import { enqueueReadyTasks } from '../scheduler/dependencies.ts';
import { inTransaction } from '../scheduler/transaction.ts';
import { buildsDb, jsonArray, type BuildsKysely } from './schema.ts';
import { prepareSources, type PinnedSource, type PreparedItem, type SourceInput } from './sources.ts';

export interface SubmitInput {
  platforms: string[];
  sources: SourceInput[];
  /** Higher runs first among queued tasks; default 0. */
  priority?: number;
  /** Build the items one after another in the order given, instead of working the order out. */
  explicitOrder?: boolean;
  /** Anyone may read the build, its logs and artifacts. */
  public?: boolean;
  /** Build only for these arches (each a build arch of at least one platform); default every one. */
  arches?: string[];
}

const MAX_SOURCES = 500;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a request body. @throws UsageError naming the first problem */
export function parseSubmitInput(body: unknown): SubmitInput {
  if (!isRecord(body)) throw new UsageError('the request body must be a JSON object {platforms, sources}');
  const { platforms, sources, priority, explicitOrder, arches } = body;
  if (!Array.isArray(platforms) || platforms.length === 0 || !platforms.every((p) => typeof p === 'string' && p !== '')) {
    throw new UsageError('platforms must be a non-empty list of platform names');
  }
  if (!Array.isArray(sources) || sources.length === 0) throw new UsageError('sources must be a non-empty list of {git: "URL#REF"} or {srpmSha256}');
  if (sources.length > MAX_SOURCES) throw new UsageError(`a build may have at most ${MAX_SOURCES} sources`);
  const checked: SourceInput[] = sources.map((s, i) => {
    if (isRecord(s) && s.git !== undefined && s.srpmSha256 !== undefined) {
      throw new UsageError(`sources[${i}] names both a git ref and an SRPM: give one of {git: "URL#REF"} or {srpmSha256: "…"} per source`);
    }
    if (isRecord(s) && typeof s.git === 'string') {
      parseGitSource(s.git);
      return { git: s.git };
    }
    if (isRecord(s) && typeof s.srpmSha256 === 'string') return { srpmSha256: s.srpmSha256.toLowerCase() };
    throw new UsageError(`sources[${i}] must be {git: "URL#REF"} or {srpmSha256: "…"}`);
  });
  if (priority !== undefined && (!Number.isInteger(priority) || Math.abs(priority as number) > 1000)) {
    throw new UsageError('priority must be a whole number from -1000 to 1000');
  }
  if (explicitOrder !== undefined && typeof explicitOrder !== 'boolean') throw new UsageError('explicitOrder must be true or false');
  if (body.public !== undefined && typeof body.public !== 'boolean') throw new UsageError('public must be true or false');
  if (arches !== undefined && (!Array.isArray(arches) || arches.length === 0 || !arches.every((a) => typeof a === 'string' && a !== ''))) {
    throw new UsageError('arches must be a non-empty list of arch names (leave it out to build for every arch of the platforms)');
  }
  return {
    platforms: [...new Set(platforms as string[])],
    sources: checked,
    priority: (priority as number | undefined) ?? 0,
    explicitOrder: explicitOrder === true,
    public: body.public === true,
    ...(arches !== undefined && { arches: [...new Set(arches as string[])] }),
  };
}

/**
 * The arches asked for, checked against the platforms: each must be a build arch of at least one
 * of them (noarch and src are not asked for: noarch packages are built once whatever the arches,
 * and every build makes its SRPMs), and every platform must build at least one of them.
 * @throws UsageError naming the arch or platform
 */
function checkArches(arches: readonly string[] | undefined, platforms: readonly Platform[]): void {
  if (arches === undefined) return;
  const of = new Map<string, string[]>(platforms.map((p) => [p.name, buildArches(p)]));
  const all = [...new Set([...of.values()].flat())];
  for (const arch of arches) {
    if (!all.includes(arch)) {
      throw new UsageError(`arches: "${arch}" is not a build arch of ${platforms.map((p) => p.name).join(', ')} (they build ${all.join(', ') || 'nothing'}); noarch packages are built whatever the arches`);
    }
  }
  for (const [name, own] of of) {
    if (!own.some((a) => arches.includes(a))) throw new UsageError(`arches: platform ${name} builds none of ${arches.join(', ')} (it builds ${own.join(', ')})`);
  }
}

/** The platforms named, in order. @throws UnknownPlatformError naming every unknown one */
async function loadPlatforms(ctx: Context, names: readonly string[]): Promise<Platform[]> {
  const found = await Promise.all(names.map((n) => findPlatform(ctx, n)));
  const unknown = names.filter((_n, i) => found[i] === null);
  if (unknown.length > 0) throw new UnknownPlatformError(unknown, (await listPlatforms(ctx)).map((p) => p.name));
  return found as Platform[];
}

interface Plan {
  input: SubmitInput;
  platforms: Platform[];
  items: PreparedItem[];
  graph: number[][];
  rebuildOf: number | null;
  /** Install the build roots recorded by this build's tasks (a rebuild with the same package set). */
  buildrootFrom: number | null;
}

async function insertBuild(trx: BuildsKysely, ctx: Context, ownerId: number, plan: Plan): Promise<number> {
  const now = ctx.now();
  const priority = plan.input.priority ?? 0;
  const build = await trx
    .insertInto('builds')
    .values({
      owner_id: ownerId,
      state: 'pending',
      priority,
      platforms: JSON.stringify(plan.platforms.map((p) => p.name)),
      explicit_order: plan.input.explicitOrder ? 1 : 0,
      arches: plan.input.arches ? JSON.stringify(plan.input.arches) : null,
      public: plan.input.public ? 1 : 0,
      created_at: now,
      finished_at: null,
      failure_reason: null,
      rebuild_of: plan.rebuildOf,
      buildroot_from: plan.buildrootFrom,
      repo_key: randomBytes(16).toString('hex'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const itemIds: number[] = [];
  for (const [position, item] of plan.items.entries()) {
    const row = await trx
      .insertInto('build_items')
      .values({
        build_id: build.id,
        position,
        kind: item.kind,
        git_url: item.gitUrl,
        git_ref: item.gitRef,
        git_commit: item.gitCommit,
        srpm_sha256: item.srpmSha256,
        name: item.name,
        depends_on: '[]',
        spec_path: item.specPath,
        build_requires: null,
        provides: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    itemIds.push(row.id);
  }
  for (const [i, deps] of plan.graph.entries()) {
    const item = plan.items[i];
    const itemId = itemIds[i];
    if (item === undefined || itemId === undefined) continue;
    await trx.updateTable('build_items').set({ depends_on: JSON.stringify(deps.map((d) => itemIds[d])) }).where('id', '=', itemId).execute();
    const waits = deps.map((d) => `${plan.items[d]?.name ?? '?'} (explicit order)`);
    for (const platform of plan.platforms) {
      const task = await trx
        .insertInto('tasks')
        .values({
          build_id: build.id,
          item_id: itemId,
          kind: 'srpm',
          platform: platform.name,
          arch: 'src',
          state: 'blocked',
          priority,
          owner_id: ownerId,
          leased_by: null,
          lease_expires_at: null,
          attempt: 1,
          max_attempts: ctx.settings.maxAttempts,
          created_at: now,
          queued_at: null,
          started_at: null,
          finished_at: null,
          failure_reason: null,
          result: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const order = plan.input.explicitOrder
        ? waits.length > 0 ? `; its rpm tasks will wait for ${waits.join(', ')}` : ''
        : `; the build's order follows once every srpm task of ${platform.name} has reported what its package needs and provides`;
      const message = `srpm task for ${item.name} on ${platform.name}${order}`;
      await trx.insertInto('task_events').values({ task_id: task.id, at: now, kind: 'created', node_id: null, message }).execute();
    }
  }
  return build.id;
}

async function submitSources(ctx: Context, ownerId: number, input: SubmitInput, sources: readonly (SourceInput | PinnedSource)[], rebuildOf: number | null, buildrootFrom: number | null = null): Promise<number> {
  const platforms = await loadPlatforms(ctx, input.platforms);
  checkArches(input.arches, platforms);
  const items = await prepareSources(ctx, sources);
  // An explicit order is known now; otherwise it is worked out from what the srpm tasks report.
  const graph = input.explicitOrder ? explicitGraph(items.length) : items.map(() => []);
  const plan: Plan = { input, platforms, items, graph, rebuildOf, buildrootFrom };
  // The srpm tasks are inserted blocked and queued by the scheduler (they depend on nothing), in
  // the same transaction: a build is never seen half-inserted.
  const id = await inTransaction(ctx, async (tx) => {
    const buildId = await insertBuild(buildsDb(tx), tx, ownerId, plan);
    await enqueueReadyTasks(tx, buildId);
    return buildId;
  });
  ctx.log.info({ buildId: id, items: items.length, platforms: input.platforms }, 'build submitted');
  return id;
}

/**
 * Submits a build for `ownerId`; returns its id. Nothing is written when anything is wrong.
 * @throws UsageError, UnknownPlatformError, GitUnreachableError, GitRefNotFoundError,
 *   SpecNotFoundError, NotFoundError (SRPM)
 */
export async function submitBuild(ctx: Context, ownerId: number, input: SubmitInput): Promise<number> {
  return submitSources(ctx, ownerId, input, input.sources, null);
}

/**
 * Submits a new build with the sources of build `buildId` at the same commits; returns its id.
 * With `sameBuildroot`, each of its srpm and rpm tasks installs exactly the packages its
 * counterpart in `buildId` recorded (decorateLease gives the node the list).
 */
export async function rebuildBuild(ctx: Context, ownerId: number, buildId: number, options: { sameBuildroot?: boolean } = {}): Promise<number> {
  const db = buildsDb(ctx);
  const build = await db.selectFrom('builds').selectAll().where('id', '=', buildId).executeTakeFirst();
  if (!build) throw new NotFoundError(`no build ${buildId}`);
  const items = await db.selectFrom('build_items').selectAll().where('build_id', '=', buildId).orderBy('position').execute();
  const sources: PinnedSource[] = items.map((i) =>
    i.kind === 'git' ? { git: `${i.git_url ?? ''}#${i.git_ref ?? ''}`, commit: i.git_commit ?? '' } : { srpmSha256: i.srpm_sha256 ?? '' },
  );
  const input: SubmitInput = {
    platforms: JSON.parse(build.platforms) as string[],
    sources: sources.map((s) => ('git' in s ? { git: s.git } : s)),
    priority: build.priority,
    explicitOrder: build.explicit_order === 1,
    public: build.public === 1,
    ...(build.arches != null && { arches: jsonArray(build.arches) }),
  };
  return submitSources(ctx, ownerId, input, sources, buildId, options.sameBuildroot === true ? buildId : null);
}
