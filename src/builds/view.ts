/**
 * Builds as the API and `distforge build show --json` print them: the build, its items (with
 * what each waits for) and its tasks with their artifacts, each artifact with an absolute URL it
 * can be downloaded from.
 */
import type { Context } from '../context.ts';
import type { BuildState, TaskKind, TaskState } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { artifactUrl } from '../scheduler/index.ts';
import { buildArches, findPlatform } from '../platforms/index.ts';
import { isBuildSigned, signedVersions } from '../signing/index.ts';
import { buildRepoUrl, repoMetadataSignature } from './build-repo.ts';
import { parseBuildroot, type BuildrootView } from './buildroot-record.ts';
import { hasPendingFanout } from './fan-out.ts';
import { buildsDb, jsonArray, type BuildRow } from './schema.ts';
import { redactCredentials } from '../util/git-url.ts';

export interface ArtifactView {
  name: string;
  kind: string;
  /** The signed package's once the package is signed (the unsigned original stays in the store). */
  sha256: string;
  size: number;
  url: string;
  /** Present once signed: the key, when, and the unsigned original. */
  signature?: { keyid: string; signedAt: number; unsignedSha256: string; unsignedUrl: string };
}

export interface TaskView {
  id: number;
  itemId: number;
  package: string | null;
  platform: string;
  arch: string;
  kind: TaskKind;
  state: TaskState;
  attempt: number;
  /** The node that holds or last held its lease (null: never leased). */
  node: string | null;
  failureReason: string | null;
  dependsOn: number[];
  artifacts: ArtifactView[];
  /** rpm tasks: the newest test of each binary package ([] when the platform does not test). */
  tests?: TestView[];
  /** srpm and rpm tasks: the build root they ran in, once recorded (null before, or from a node that records none). */
  buildroot?: BuildrootView | null;
}

/** A binary package's test results (the test system), per stage. */
export interface TestView {
  package: string;
  arch: string;
  /** passed | failed, or the test task's state while it has not ended. */
  state: string;
  taskId: number;
  stages: { name: string; state: string; detail?: string }[];
}

export interface ItemView {
  id: number;
  position: number;
  package: string | null;
  kind: 'git' | 'srpm';
  git: { url: string; ref: string; commit: string | null } | null;
  srpmSha256: string | null;
  specPath: string | null;
  /** Ids of the items whose RPMs this one builds against (known once the srpm tasks have reported). */
  dependsOn: number[];
  /** BuildRequires the srpm tasks found (every platform's), null until one has reported. */
  buildRequires: string[] | null;
  /** What the binary packages provide, as the srpm tasks found it; null until one has reported. */
  provides: string[] | null;
}

export interface BuildSummary {
  id: number;
  state: BuildState;
  owner: string;
  platforms: string[];
  public: boolean;
  priority: number;
  explicitOrder: boolean;
  /** The arches asked for, or null for every build arch of the platforms. */
  arches: string[] | null;
  rebuildOf: number | null;
  createdAt: number;
  finishedAt: number | null;
  failureReason: string | null;
}

/** A repository of the build's packages so far (dnf baseurl; private builds: a URL holding a key). */
export interface RepositoryView {
  platform: string;
  arch: string;
  url: string;
  /** Whose signature covers the repository's current repomd.xml (served as repodata/repomd.xml.asc), or null. */
  metadataSignature: { keyid: string; signedAt: number } | null;
}

export interface BuildView extends BuildSummary {
  items: ItemView[];
  tasks: TaskView[];
  repositories: RepositoryView[];
  /** Every package of the build is signed. */
  signed: boolean;
}


/** The fields of a build every view of it has. */
export function buildSummary(row: BuildRow, owner: string): BuildSummary {
  return {
    id: row.id,
    state: row.state,
    owner,
    platforms: jsonArray(row.platforms),
    public: row.public === 1,
    priority: row.priority,
    explicitOrder: row.explicit_order === 1,
    arches: row.arches == null ? null : jsonArray(row.arches),
    rebuildOf: row.rebuild_of,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    failureReason: row.failure_reason,
  };
}

/**
 * The state to show: a build whose SRPMs are still to fan out is running, whatever its row says
 * (without the completion hook, the row may say it ended until the builds loop fans them out).
 */
export async function effectiveState(ctx: Context, row: Pick<BuildRow, 'id' | 'state'>): Promise<BuildState> {
  if (row.state !== 'succeeded' && row.state !== 'failed') return row.state;
  return (await hasPendingFanout(ctx, row.id)) ? 'running' : row.state;
}

/** The build row. @throws NotFoundError */
export async function getBuildRow(ctx: Context, id: number): Promise<BuildRow> {
  const row = Number.isSafeInteger(id) ? await buildsDb(ctx).selectFrom('builds').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`no build ${id}`);
  return row;
}

async function ownerName(ctx: Context, id: number): Promise<string> {
  const u = await ctx.db.kysely.selectFrom('users').select('name').where('id', '=', id).executeTakeFirst();
  return u?.name ?? `#${id}`;
}

/** The names of the nodes with these ids. */
async function nodeNames(ctx: Context, ids: (number | null)[]): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((i): i is number => i !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await ctx.db.kysely.selectFrom('nodes').select(['id', 'name']).where('id', 'in', wanted).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The whole build. @throws NotFoundError */
export async function showBuild(ctx: Context, id: number): Promise<BuildView> {
  const db = buildsDb(ctx);
  const row = await getBuildRow(ctx, id);
  const [items, tasks, artifacts, deps, signatures, signed] = await Promise.all([
    db.selectFrom('build_items').selectAll().where('build_id', '=', id).orderBy('position').execute(),
    db.selectFrom('tasks').selectAll().where('build_id', '=', id).orderBy('id').$narrowType<{ build_id: number; item_id: number }>().execute(),
    db
      .selectFrom('artifacts')
      .innerJoin('tasks', 'tasks.id', 'artifacts.task_id')
      .select(['artifacts.id', 'artifacts.task_id', 'artifacts.name', 'artifacts.kind', 'artifacts.sha256', 'artifacts.size'])
      .where('tasks.build_id', '=', id)
      .orderBy('artifacts.id')
      .execute(),
    db
      .selectFrom('task_dependencies')
      .innerJoin('tasks', 'tasks.id', 'task_dependencies.task_id')
      .select(['task_dependencies.task_id', 'task_dependencies.depends_on'])
      .where('tasks.build_id', '=', id)
      .execute(),
    signedVersions(ctx, id),
    isBuildSigned(ctx, id),
  ]);
  const names = new Map(items.map((i) => [i.id, i.name]));
  const nodes = await nodeNames(ctx, tasks.map((t) => t.leased_by));
  const byTask = new Map<number, ArtifactView[]>();
  for (const a of artifacts) {
    const list = byTask.get(a.task_id) ?? [];
    const s = signatures.get(a.id);
    list.push(
      s
        ? { name: a.name, kind: a.kind, sha256: s.sha256, size: s.size, url: artifactUrl(ctx, s.sha256, a.name), signature: { keyid: s.keyid, signedAt: s.signedAt, unsignedSha256: a.sha256, unsignedUrl: artifactUrl(ctx, a.sha256, a.name) } }
        : { name: a.name, kind: a.kind, sha256: a.sha256, size: Number(a.size), url: artifactUrl(ctx, a.sha256, a.name) },
    );
    byTask.set(a.task_id, list);
  }
  const depsOf = new Map<number, number[]>();
  for (const d of deps) depsOf.set(d.task_id, [...(depsOf.get(d.task_id) ?? []), d.depends_on]);
  const head = buildSummary(row, await ownerName(ctx, row.owner_id));
  if ((await effectiveState(ctx, row)) !== row.state) {
    head.state = 'running';
    head.finishedAt = null;
  }
  const repositories: RepositoryView[] = [];
  for (const name of head.platforms) {
    const platform = await findPlatform(ctx, name).catch(() => null);
    for (const arch of platform ? buildArches(platform) : []) {
      repositories.push({ platform: name, arch, url: buildRepoUrl(ctx, row, name, arch), metadataSignature: await repoMetadataSignature(ctx, row.id, name, arch) });
    }
  }
  return {
    ...head,
    signed,
    repositories,
    items: items.map((i) => ({
      id: i.id,
      position: i.position,
      package: i.name,
      kind: i.kind,
      // Credentials a source from before they were refused may hold are not shown.
      git: i.kind === 'git' ? { url: redactCredentials(i.git_url ?? ''), ref: i.git_ref ?? '', commit: i.git_commit } : null,
      srpmSha256: i.srpm_sha256,
      specPath: i.spec_path,
      dependsOn: jsonArray<number>(i.depends_on),
      buildRequires: i.build_requires === null ? null : jsonArray(i.build_requires),
      provides: i.provides === null ? null : jsonArray(i.provides),
    })),
    tasks: tasks.map((t) => ({
      id: t.id,
      itemId: t.item_id,
      package: t.kind === 'sign-repo' ? null : (names.get(t.item_id) ?? null),
      platform: t.platform,
      arch: t.arch,
      kind: t.kind,
      state: t.state,
      attempt: t.attempt,
      node: t.leased_by === null ? null : (nodes.get(t.leased_by) ?? `#${t.leased_by}`),
      failureReason: t.failure_reason,
      dependsOn: (depsOf.get(t.id) ?? []).sort((a, b) => a - b),
      artifacts: byTask.get(t.id) ?? [],
      ...((t.kind === 'srpm' || t.kind === 'rpm') && { buildroot: parseBuildroot(t.result) }),
      // The newest test of its packages: a test run again (build test) replaces the earlier result.
      ...(t.kind === 'rpm' && { tests: testsOf(t, tasks.findLast((x) => x.kind === 'test' && (depsOf.get(x.id) ?? []).includes(t.id)), byTask.get(t.id) ?? []) }),
    })),
  };
}

interface TestedPackage {
  package?: unknown;
  arch?: unknown;
  state?: unknown;
  stages?: { name?: unknown; state?: unknown; detail?: unknown }[];
}

/** The tests of an rpm task's packages, from its test task (its result once it ran). */
function testsOf(rpm: { arch: string }, test: { id: number; state: string; result: string | null } | undefined, artifacts: ArtifactView[]): TestView[] {
  if (!test) return [];
  let reported: TestedPackage[] = [];
  try {
    const r = JSON.parse(test.result ?? 'null') as { packages?: TestedPackage[] } | null;
    reported = Array.isArray(r?.packages) ? r.packages : [];
  } catch {
    reported = [];
  }
  if (reported.length > 0) {
    return reported.map((p) => ({
      package: String(p.package ?? '?'),
      arch: String(p.arch ?? rpm.arch),
      state: String(p.state ?? test.state),
      taskId: test.id,
      stages: (p.stages ?? []).map((st) => ({ name: String(st.name ?? '?'), state: String(st.state ?? '?'), ...(typeof st.detail === 'string' && { detail: st.detail }) })),
    }));
  }
  return artifacts
    .filter((a) => a.kind === 'rpm' && !/-debug(info|source)-/.test(a.name))
    .map((a) => ({ package: a.name.replace(/-[^-]+-[^-]+\.[^.]+\.rpm$/, ''), arch: /\.([^.]+)\.rpm$/.exec(a.name)?.[1] ?? rpm.arch, state: test.state, taskId: test.id, stages: [] }));
}
