/**
 * What a node receives with a lease (`LeasedTask`): the task, where its source is, the platform
 * definition, and the artifacts of the tasks it depends on with absolute download URLs. The
 * builds domain adds what only it knows (platform and build repositories) through a
 * `LeaseDecorator`.
 */
import type { Context } from '../context.ts';
import type { Task, TaskKind } from '../db/schema.ts';
import type { LeaseGrant, LeaseSource } from './lease.ts';

export interface LeasedArtifact {
  name: string;
  kind: string;
  sha256: string;
  /** Absolute download URL (GET, no token needed). */
  url: string;
}

export interface LeasedTask {
  id: number;
  /** The build; null for a release's sign-repo task. */
  buildId: number | null;
  /** The release a sign-repo task signs repository versions for (absent for a build's task). */
  releaseId?: number;
  kind: TaskKind;
  platform: string;
  arch: string;
  attempt: number;
  /** Milliseconds since the epoch; heartbeat before then. */
  leaseExpiresAt: number;
  source: { kind: 'git' | 'srpm'; gitUrl: string | null; gitRef: string | null; gitCommit: string | null; srpmUrl?: string };
  /** The platform's definition (platforms.definition), {} when the platform is gone. */
  platformDefinition: Record<string, unknown>;
  /** RPM and SRPM artifacts of the tasks this one depends on (for an rpm task, its item's SRPM too), by task id. */
  dependencies: { taskId: number; artifacts: LeasedArtifact[] }[];
  /** Repository URLs to build against (filled by the builds domain's decorator). */
  repositories: string[];
  /** srpm and rpm tasks of a rebuild with the same build roots: the exact packages (NEVRAs) of the root to make. */
  buildrootLock?: string[];
  /** For a sign task: the key to sign its dependencies' packages with (filled by the signing domain). */
  sign?: { keyid: string; fingerprint: string; heldElsewhere?: boolean };
  /** For a sign-repo task: the repomd.xml of each arch's repository, to sign byte for byte. */
  repomd?: { arch: string; sha256: string; url: string }[];
}

/** Adds to or overrides parts of a lease description (e.g. the repositories). */
export type LeaseDecorator = (ctx: Context, task: Task) => Promise<Partial<LeasedTask>>;

/** The public download URL of a blob. */
export function artifactUrl(ctx: Context, sha256: string, name: string): string {
  return `${ctx.settings.publicUrl}/api/v1/artifacts/${sha256}/${encodeURIComponent(name)}`;
}

function parseDefinition(text: string | null): Record<string, unknown> {
  if (text === null) return {};
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The RPM and SRPM artifacts of the tasks `task` needs: those it depends on, and for an rpm task
 * the succeeded srpm task(s) of its item on its platform. One query.
 */
async function dependencyArtifacts(ctx: Context, task: Task): Promise<LeasedTask['dependencies']> {
  const rows = await ctx.db.kysely
    .selectFrom('tasks as x')
    .leftJoin('artifacts as a', (j) => j.onRef('a.task_id', '=', 'x.id').on('a.kind', 'in', ['rpm', 'srpm']))
    .select(['x.id as input', 'a.name', 'a.kind', 'a.sha256'])
    .where('x.id', 'in', (eb) => {
      const deps = eb.selectFrom('task_dependencies as d').select('d.depends_on as id').where('d.task_id', '=', task.id);
      if (task.kind !== 'rpm') return deps;
      // Each side probes its own index (a plain OR would not).
      return deps.union(
        eb
          .selectFrom('tasks as s')
          .select('s.id')
          .where('s.item_id', '=', task.item_id)
          .where('s.kind', '=', 'srpm')
          .where('s.platform', '=', task.platform)
          .where('s.state', '=', 'succeeded'),
      );
    })
    .orderBy('x.id')
    .orderBy('a.name')
    .execute();
  const byTask = new Map<number, LeasedArtifact[]>();
  for (const r of rows) {
    const list = byTask.get(r.input) ?? [];
    byTask.set(r.input, list);
    if (r.name !== null && r.kind !== null && r.sha256 !== null) list.push({ name: r.name, kind: r.kind, sha256: r.sha256, url: artifactUrl(ctx, r.sha256, r.name) });
  }
  return [...byTask].map(([taskId, artifacts]) => ({ taskId, artifacts }));
}

/** The task's item source and platform definition, read when the lease did not bring them. */
async function readSource(ctx: Context, task: Task): Promise<LeaseSource | undefined> {
  if (task.item_id === null) {
    // A release's task: no package, only the platform.
    const p = await ctx.db.kysely.selectFrom('platforms').select('definition').where('name', '=', task.platform).executeTakeFirst();
    return { kind: 'git', git_url: null, git_ref: null, git_commit: null, srpm_sha256: null, name: null, platform_definition: p?.definition ?? null };
  }
  return ctx.db.kysely
    .selectFrom('build_items as i')
    .leftJoin('platforms as p', (j) => j.on('p.name', '=', task.platform))
    .select(['i.kind', 'i.git_url', 'i.git_ref', 'i.git_commit', 'i.srpm_sha256', 'i.name', 'p.definition as platform_definition'])
    .where('i.id', '=', task.item_id)
    .executeTakeFirst();
}

/** Describes a lease (as leaseTaskForNode grants it) for the node that holds it, with `decorate`'s additions. */
export async function describeGrant(ctx: Context, grant: LeaseGrant, decorate?: LeaseDecorator): Promise<LeasedTask> {
  const { task } = grant;
  const item = grant.source ?? (await readSource(ctx, task));
  const source: LeasedTask['source'] = {
    kind: item?.kind ?? 'git',
    gitUrl: item?.git_url ?? null,
    gitRef: item?.git_ref ?? null,
    gitCommit: item?.git_commit ?? null,
  };
  if (item?.srpm_sha256) source.srpmUrl = artifactUrl(ctx, item.srpm_sha256, `${item.name ?? 'source'}.src.rpm`);
  const leased: LeasedTask = {
    id: task.id,
    buildId: task.build_id,
    ...(task.release_id !== null && { releaseId: task.release_id }),
    kind: task.kind,
    platform: task.platform,
    arch: task.arch,
    attempt: task.attempt,
    leaseExpiresAt: task.lease_expires_at ?? 0,
    source,
    platformDefinition: parseDefinition(item?.platform_definition ?? null),
    dependencies: await dependencyArtifacts(ctx, task),
    repositories: [],
  };
  return decorate ? { ...leased, ...(await decorate(ctx, task)) } : leased;
}

/** Describes a leased task for the node that holds it, with `decorate`'s additions. */
export function describeLease(ctx: Context, task: Task, decorate?: LeaseDecorator): Promise<LeasedTask> {
  return describeGrant(ctx, { task }, decorate);
}
