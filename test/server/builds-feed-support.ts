/**
 * Builds for the builds feed tests, made through the master's own write paths where the feed
 * depends on them: packages are recorded as a node uploads them (recordArtifact, which indexes
 * each RPM for the search), signatures as the signing domain records a sign task's (which marks
 * the build signed once its last package is). The rest (builds, items, tasks, releases) are rows
 * written as the builds and release domains write them; each build's tasks are leased by one
 * fixture node while its packages are uploaded, then put in the states the build's state implies.
 */
import type { Context } from '../../src/context.ts';
import { createUser } from '../../src/auth/users.ts';
import type { BuildState, TaskState } from '../../src/db/schema.ts';
import { inTransaction, recordArtifact, type RpmPackageRow } from '../../src/scheduler/index.ts';
import { releasesDb } from '../../src/releases/schema.ts';
import { recordSignatures, VerifiedSignatures } from '../../src/signing/completion.ts';
import { signingDb } from '../../src/signing/schema.ts';

export interface FeedPackage {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  /** `src` for the SRPM (uploaded by the srpm task); else the rpm task of this arch (or the first) uploads it. */
  arch: string;
}

export interface FeedBuildSpec {
  owner: string;
  platforms?: string[];
  state?: BuildState;
  public?: boolean;
  sources?: { package: string; ref?: string }[];
  /** Arches of the rpm tasks (default x86_64). */
  arches?: string[];
  packages?: FeedPackage[];
}

export interface FeedBuild {
  id: number;
  /** Package artifacts: id, name, sha256. */
  artifacts: { id: number; name: string; sha256: string }[];
}

const KEYID = '0123456789ABCDEF';

/** The fixture's node and counters (one per test server). */
export class FeedFixture {
  private nodeId = 0;
  private users = new Map<string, number>();
  private files = 0;

  private constructor(readonly ctx: Context) {}

  static async create(ctx: Context): Promise<FeedFixture> {
    const f = new FeedFixture(ctx);
    const now = ctx.now();
    const node = await ctx.db.kysely
      .insertInto('nodes')
      .values({ name: 'feed-node', arches: '["x86_64","aarch64","noarch"]', capabilities: '["build","sign"]', max_concurrency: 100, enabled: 1, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    f.nodeId = node.id;
    await signingDb(ctx).insertInto('signing_keys').values({ keyid: KEYID, fingerprint: 'F'.repeat(40), algorithm: 'rsa4096', user_ids: '["feed"]', public_key: 'x', key_created_at: now, node_id: node.id, registered_at: now }).execute();
    return f;
  }

  async userId(name: string): Promise<number> {
    const known = this.users.get(name) ?? (await this.ctx.db.kysely.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst())?.id;
    const id = known ?? (await createUser(this.ctx, name, 'maintainer')).id;
    this.users.set(name, id);
    return id;
  }

  private sha(): string {
    this.files += 1;
    return this.files.toString(16).padStart(64, '0');
  }

  private async task(buildId: number, itemId: number, ownerId: number, kind: string, platform: string, arch: string): Promise<number> {
    const now = this.ctx.now();
    const row = await this.ctx.db.kysely
      .insertInto('tasks')
      .values({
        build_id: buildId, item_id: itemId, kind: kind as 'rpm', platform, arch, state: 'leased', priority: 0, owner_id: ownerId, leased_by: this.nodeId,
        lease_expires_at: now + 3_600_000, attempt: 1, max_attempts: 3, created_at: now, queued_at: now, started_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  private async upload(taskId: number, name: string, kind: string, rpm?: FeedPackage): Promise<{ id: number; name: string; sha256: string }> {
    const sha256 = this.sha();
    const row: RpmPackageRow | undefined = rpm && { sha256, name: rpm.name, epoch: rpm.epoch ?? null, version: rpm.version, release: rpm.release, arch: rpm.arch, sourcerpm: null, metadata: '{}', created_at: this.ctx.now() };
    const a = await recordArtifact(this.ctx, this.nodeId, taskId, { name, kind, sha256, size: 1 }, row ? { rpm: row } : {});
    return { id: a.id, name, sha256 };
  }

  /** A build as `spec` says, its packages uploaded by its tasks. */
  async build(spec: FeedBuildSpec): Promise<FeedBuild> {
    const db = this.ctx.db.kysely;
    const ownerId = await this.userId(spec.owner);
    const platforms = spec.platforms ?? ['el9'];
    const state = spec.state ?? 'succeeded';
    const now = this.ctx.now();
    const build = await db
      .insertInto('builds')
      .values({ owner_id: ownerId, state, priority: 0, platforms: JSON.stringify(platforms), explicit_order: 0, public: spec.public === false ? 0 : 1, created_at: now, finished_at: ['succeeded', 'failed', 'cancelled'].includes(state) ? now : null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const tasks: { id: number; kind: string; arch: string }[] = [];
    for (const [position, source] of (spec.sources ?? [{ package: 'pkg' }]).entries()) {
      const item = await db
        .insertInto('build_items')
        .values({ build_id: build.id, position, kind: 'git', git_url: `https://git.example/${source.package}.git`, git_ref: source.ref ?? 'main', git_commit: 'a'.repeat(40), name: source.package })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const platform of platforms) {
        tasks.push({ id: await this.task(build.id, item.id, ownerId, 'srpm', platform, 'src'), kind: 'srpm', arch: 'src' });
        for (const arch of spec.arches ?? ['x86_64']) tasks.push({ id: await this.task(build.id, item.id, ownerId, 'rpm', platform, arch), kind: 'rpm', arch });
      }
    }
    const artifacts: FeedBuild['artifacts'] = [];
    for (const t of tasks) await this.upload(t.id, 'build.log', 'log');
    for (const p of spec.packages ?? []) {
      const task = tasks.find((t) => t.arch === p.arch) ?? tasks.find((t) => t.kind === 'rpm') ?? tasks[0];
      if (!task) continue;
      artifacts.push(await this.upload(task.id, `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`, p.arch === 'src' ? 'srpm' : 'rpm', p));
    }
    const taskState: Record<BuildState, TaskState> = { pending: 'queued', running: 'leased', succeeded: 'succeeded', failed: 'succeeded', cancelled: 'cancelled' };
    await db.updateTable('tasks').set({ state: taskState[state], leased_by: taskState[state] === 'leased' ? this.nodeId : null }).where('build_id', '=', build.id).execute();
    const last = tasks[tasks.length - 1];
    if (state === 'failed' && last) await db.updateTable('tasks').set({ state: 'failed', failure_reason: 'rpmbuild failed' }).where('id', '=', last.id).execute();
    return { id: build.id, artifacts };
  }

  /** A build with one source and no tasks (for tests that add many rows to it themselves). */
  async bareBuild(owner: string, source = 'bare'): Promise<{ id: number; itemId: number; ownerId: number }> {
    const db = this.ctx.db.kysely;
    const ownerId = await this.userId(owner);
    const build = await db.insertInto('builds').values({ owner_id: ownerId, state: 'succeeded', priority: 0, platforms: '["el9"]', explicit_order: 0, public: 1, created_at: this.ctx.now() }).returning('id').executeTakeFirstOrThrow();
    const item = await db.insertInto('build_items').values({ build_id: build.id, position: 0, kind: 'git', git_url: 'x', git_ref: 'main', git_commit: null, name: source }).returning('id').executeTakeFirstOrThrow();
    return { id: build.id, itemId: item.id, ownerId };
  }

  /** Signs `artifacts` of the build (default all) as a completing sign task records them. */
  async sign(build: FeedBuild, artifacts = build.artifacts): Promise<void> {
    const item = await this.ctx.db.kysely.selectFrom('build_items').select('id').where('build_id', '=', build.id).executeTakeFirstOrThrow();
    const owner = await this.ctx.db.kysely.selectFrom('builds').select('owner_id').where('id', '=', build.id).executeTakeFirstOrThrow();
    const taskId = await this.task(build.id, item.id, owner.owner_id, 'sign', 'el9', 'noarch');
    const signed: VerifiedSignatures['packages'][number][] = [];
    for (const a of artifacts) signed.push({ artifactId: a.id, name: a.name, originalSha256: a.sha256, sha256: (await this.upload(taskId, a.name, 'rpm')).sha256, size: 1 });
    const task = await this.ctx.db.kysely.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
    await inTransaction(this.ctx, (tx) => recordSignatures(tx, task, new VerifiedSignatures(taskId, KEYID, signed)));
    await this.ctx.db.kysely.updateTable('tasks').set({ state: 'succeeded', leased_by: null }).where('id', '=', taskId).execute();
  }

  /** Puts the builds in a release in `state`. */
  async release(buildIds: number[], state: 'planned' | 'released' | 'reverted'): Promise<void> {
    const db = releasesDb(this.ctx);
    const now = this.ctx.now();
    const r = await db
      .insertInto('releases')
      .values({ platform: 'el9', state, note: null, forced: 0, created_by: null, created_at: now, updated_at: now, republish: '[]' })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const b of buildIds) await db.insertInto('release_builds').values({ release_id: r.id, build_id: b }).execute();
  }
}

/** Writes `rows` 200 at a time with `write`. */
export async function inBatches<T>(rows: T[], write: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) await write(rows.slice(i, i + 200));
}
