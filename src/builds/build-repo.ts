/**
 * Build repositories: the RPMs a build has produced so far, published per platform and arch as a
 * dnf repository under DATA/repos/build-<id>/<platform>/<arch>/ (hard links into the artifact
 * store, named by artifact name; noarch packages in every arch's directory; unsigned, gzip
 * metadata), so that later tasks of the build take their BuildRequires from it. A repository is
 * brought up to date when someone (a node building a task of the build) reads its repodata/,
 * and by the builds loop for running builds; it is rewritten only when its packages changed.
 *
 * Terminology:
 * - manifest: `.distforge-manifest` in the repository directory: artifact name → sha256 of what
 *   was last published, to tell whether anything changed.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../context.ts';
import { absoluteRepoUrl, withAbsoluteRepoUrls } from '../platforms/urls.ts';
import { buildrootLockFor } from './buildroot-record.ts';
import type { Task } from '../db/schema.ts';
import { buildArches, findPlatform, platformFromRow, type Platform } from '../platforms/index.ts';
import { createRepository } from '../repo/create/create.ts';
import { servedArches } from '../scheduler/index.ts';
import { repomdSignature, signedVersions } from '../signing/index.ts';
import { placeBlob } from '../storage/blob-files.ts';
import { sha256File } from '../util/sha256-file.ts';
import { recordedRepo, replacedPackages, sharedBuildRepos, sharedPublish } from './repo-metadata.ts';
import { buildsDb, jsonArray, type BuildRow } from './schema.ts';

const MANIFEST = '.distforge-manifest';

/** Publishes run one at a time per directory in this process (the repo lock is per process). */
const publishing = new Map<string, Promise<unknown>>();

/** DATA/repos/build-<id>/<platform>/<arch>. */
export function buildRepoDir(ctx: Context, buildId: number, platform: string, arch: string): string {
  return join(ctx.settings.dataDir, 'repos', `build-${buildId}`, platform, arch);
}

/**
 * The URL a build repository is served at (ends with `/`): for a public build
 * /api/v1/builds/ID/repo/PLATFORM/ARCH/; for a private one the URL with the build's repository
 * key (/api/v1/builds/ID/repo-key/KEY/PLATFORM/ARCH/), which needs no token: dnf and the node's
 * repository reader cannot send one.
 */
export function buildRepoUrl(ctx: Context, build: Pick<BuildRow, 'id' | 'public' | 'repo_key'>, platform: string, arch: string): string {
  const where = build.public === 1 || build.repo_key === null ? 'repo' : `repo-key/${build.repo_key}`;
  return `${ctx.settings.publicUrl}/api/v1/builds/${build.id}/${where}/${encodeURIComponent(platform)}/${encodeURIComponent(arch)}/`;
}

/** The arch an RPM file is for, from its name (`foo-1-1.el9.x86_64.rpm` → x86_64). */
function fileArch(name: string): string | null {
  return /\.([A-Za-z0-9_]+)\.rpm$/.exec(name)?.[1] ?? null;
}

/** What the repository of (build, platform) for `arch` should hold: name → sha256 (of the signed
 * package once it is signed). */
async function wantedPackages(ctx: Context, buildId: number, platform: string): Promise<{ name: string; sha256: string; arch: string | null }[]> {
  const signed = await signedVersions(ctx, buildId);
  const rows = await ctx.db.kysely
    .selectFrom('artifacts as a')
    .innerJoin('tasks as t', 't.id', 'a.task_id')
    .select(['a.id', 'a.name', 'a.sha256'])
    .where('t.build_id', '=', buildId)
    .where('t.platform', '=', platform)
    .where('t.kind', '=', 'rpm')
    .where('t.state', '=', 'succeeded')
    .where('a.kind', '=', 'rpm')
    .orderBy('t.id')
    .orderBy('a.id')
    .execute();
  return rows.filter((r) => !r.name.includes('/') && !r.name.startsWith('.')).map((r) => ({ name: r.name, sha256: signed.get(r.id)?.sha256 ?? r.sha256, arch: fileArch(r.name) }));
}

function forArch(all: { name: string; sha256: string; arch: string | null }[], arch: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of all) if ((p.arch === arch || p.arch === 'noarch') && !out.has(p.name)) out.set(p.name, p.sha256);
  return out;
}

function readManifest(dir: string): Record<string, string> | null {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Record<string, string>;
  } catch {
    return null;
  }
}

async function publish(ctx: Context, dir: string, wanted: Map<string, string>, reread: ReadonlySet<string>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const old = readManifest(dir) ?? {};
  if (existsSync(join(dir, 'repodata', 'repomd.xml')) && JSON.stringify(old) === JSON.stringify(Object.fromEntries(wanted))) return;
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.rpm') && (!wanted.has(f) || wanted.get(f) !== old[f])) unlinkSync(join(dir, f));
  }
  for (const [name, sha256] of wanted) if (!existsSync(join(dir, name))) await placeBlob(ctx.store, sha256, join(dir, name));
  await createRepository(dir, { compression: 'gz', update: true, reread, now: ctx.now() });
  writeFileSync(join(dir, MANIFEST), JSON.stringify(Object.fromEntries(wanted)));
}

async function serialised<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = publishing.get(dir) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const tail = run.catch(() => undefined);
  publishing.set(dir, tail);
  try {
    return await run;
  } finally {
    if (publishing.get(dir) === tail) publishing.delete(dir);
  }
}

/** Brings the repositories of (build, platform) for `arches` up to date. */
async function syncPlatform(ctx: Context, buildId: number, platform: string, arches: readonly string[]): Promise<void> {
  const all = await wantedPackages(ctx, buildId, platform);
  for (const arch of arches) {
    const dir = buildRepoDir(ctx, buildId, platform, arch);
    const wanted = forArch(all, arch);
    // Several masters: rendered once and recorded, served by each from its own copy (repo-metadata.ts).
    const render = (): Promise<void> => publish(ctx, dir, wanted, replacedPackages(dir, wanted));
    await serialised(dir, async () => (sharedBuildRepos(ctx) ? void (await sharedPublish(ctx, { buildId, platform, arch }, dir, wanted, render)) : render()));
  }
}

/** Brings one build repository up to date; returns its directory. */
export async function ensureBuildRepo(ctx: Context, buildId: number, platform: string, arch: string): Promise<string> {
  await syncPlatform(ctx, buildId, platform, [arch]);
  return buildRepoDir(ctx, buildId, platform, arch);
}

/** The repomd.xml of each arch's repository of (build, platform), brought up to date first. */
export async function currentRepomds(ctx: Context, buildId: number, platform: string): Promise<{ arch: string; path: string }[]> {
  const p = await findPlatform(ctx, platform).catch(() => null);
  const arches = p ? buildArches(p) : [];
  await syncPlatform(ctx, buildId, platform, arches);
  return arches.map((arch) => ({ arch, path: join(buildRepoDir(ctx, buildId, platform, arch), 'repodata', 'repomd.xml') }));
}

/** The signature a signer made over the repomd.xml the repository in `dir` has now, or null. */
export async function metadataSignatureOf(ctx: Context, dir: string): Promise<{ signature: string; keyid: string; signedAt: number } | null> {
  const sha256 = await sha256File(join(dir, 'repodata', 'repomd.xml')).catch(() => null);
  return sha256 === null ? null : repomdSignature(ctx, sha256);
}

/**
 * The signature of the repomd.xml that repository (build, platform, arch) serves, or null: on
 * several masters the recorded one's (repo-metadata.ts), else this master's file's.
 */
export async function repoMetadataSignature(ctx: Context, buildId: number, platform: string, arch: string): Promise<{ signature: string; keyid: string; signedAt: number } | null> {
  if (!sharedBuildRepos(ctx)) return metadataSignatureOf(ctx, buildRepoDir(ctx, buildId, platform, arch));
  const rec = await recordedRepo(ctx, { buildId, platform, arch });
  return rec === null ? null : repomdSignature(ctx, rec.repomdSha256);
}

/** Brings the repositories of every running build up to date (the builds loop). */
export async function syncRunningBuildRepos(ctx: Context): Promise<void> {
  const builds = await buildsDb(ctx).selectFrom('builds').select(['id', 'platforms']).where('state', '=', 'running').execute();
  for (const b of builds) {
    for (const name of jsonArray(b.platforms)) {
      const platform = await findPlatform(ctx, name).catch(() => null);
      if (platform) await syncPlatform(ctx, b.id, name, buildArches(platform));
    }
  }
}

/** The arch whose repositories a task uses: its own, or for noarch and src the node's (else the platform's first). */
async function repoArch(ctx: Context, task: LeaseDecorationInput, platform: Platform): Promise<string> {
  const arches: string[] = buildArches(platform);
  if (arches.includes(task.arch)) return task.arch;
  const nodeId = task.leased_by ?? task.leasedBy ?? null;
  if (nodeId !== null) {
    const node = await ctx.db.kysely.selectFrom('nodes').select(['arches', 'advertised_arches']).where('id', '=', nodeId).executeTakeFirst();
    const own = (node ? servedArches(node) : []).find((a) => arches.includes(a));
    if (own) return own;
  }
  return arches[0] ?? 'x86_64';
}

/** The task as the node API hands it to {@link decorateLease} (a tasks row, or the leased task). */
export type LeaseDecorationInput = Pick<Task, 'id' | 'kind' | 'platform' | 'arch'> & {
  item_id?: number | null;
  build_id?: number | null;
  buildId?: number | null;
  leased_by?: number | null;
  leasedBy?: number | null;
};

/**
 * For the node API's `decorateLease`: the repositories a leased task takes BuildRequires from —
 * its build's repository for the task's arch (rpm and test tasks; published when the node reads it),
 * then the platform's repositories (`$basearch` replaced, limited to the arches they serve).
 */
export async function decorateLease(ctx: Context, task: LeaseDecorationInput): Promise<{ repositories: string[]; platformDefinition?: Record<string, unknown>; buildrootLock?: string[] }> {
  const buildId = task.build_id ?? task.buildId ?? null;
  if (buildId === null) return { repositories: [] };
  // The build, its platform and (for a rebuild's lock) the item's position: one query.
  const row = await buildsDb(ctx)
    .selectFrom('builds as b')
    .innerJoin('platforms as p', (j) => j.on('p.name', '=', task.platform))
    .leftJoin('build_items as i', (j) => j.on('i.id', '=', task.item_id ?? -1))
    .select(['b.id', 'b.public', 'b.repo_key', 'b.buildroot_from', 'i.position', 'p.name', 'p.definition', 'p.created_at', 'p.updated_at'])
    .where('b.id', '=', buildId)
    .executeTakeFirst();
  if (!row) return { repositories: [] };
  const build = { id: row.id, public: row.public, repo_key: row.repo_key };
  const platform = platformFromRow({ name: row.name, definition: row.definition, created_at: row.created_at, updated_at: row.updated_at });
  const arch = await repoArch(ctx, task, platform);
  const repositories: string[] = [];
  // Not published here: reading the repository's repodata/ brings it up to date (the route calls
  // ensureBuildRepo), so the lease does not pay for a build's whole package list.
  if (task.kind === 'rpm' || task.kind === 'test') repositories.push(buildRepoUrl(ctx, build, platform.name, arch));
  for (const r of platform.repositories) {
    if (r.arches && !r.arches.includes(arch as (typeof r.arches)[number])) continue;
    repositories.push(absoluteRepoUrl(r.url, ctx.settings.publicUrl).replaceAll('$basearch', arch));
  }
  // Repositories this master serves are named by their path; nodes need them whole.
  const lock = await buildrootLockFor(ctx, task, task.item_id === undefined ? undefined : { buildroot_from: row.buildroot_from, position: row.position });
  return { repositories, platformDefinition: withAbsoluteRepoUrls({ ...platform }, ctx.settings.publicUrl), ...(lock ? { buildrootLock: lock } : {}) };
}
