/**
 * Build repositories on several masters (PostgreSQL; docs/scale-out.md): the repodata of a build
 * repository is rendered once, by the first master that finds it stale, under a cluster lock; its
 * files go into the artifact store and are recorded in `build_repo_metadata`. Every master then
 * serves those very bytes (materialised into its own DATA/repos/…, a cache): the same repomd.xml
 * everywhere, so the signature recorded for its sha256 is good on every master.
 *
 * Terminology:
 * - content key: sha256 of the repository's package list (file name → sha256), what the
 *   repodata was rendered from.
 * - record: the row of one repository: content key, repomd.xml's sha256, every repodata file's
 *   sha256 in the store.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Context } from '../context.ts';
import { withClusterLock } from '../db/cluster-lock.ts';
import type { Database, Millis } from '../db/schema.ts';
import { placeBlob } from '../storage/blob-files.ts';
import type { ArtifactStore } from '../storage/store.ts';
import { replaceFile } from '../util/atomic-file.ts';
import { sha256File } from '../util/sha256-file.ts';

export interface BuildRepoMetadataTable {
  build_id: number;
  platform: string;
  arch: string;
  content_sha256: string;
  repomd_sha256: string;
  /** JSON object: repodata file name → sha256 (repomd.xml included). */
  files: string;
  updated_at: Millis;
}

type MetadataDb = Kysely<Database & { build_repo_metadata: BuildRepoMetadataTable }>;

function metadataDb(ctx: Context): MetadataDb {
  return ctx.db.kysely as unknown as MetadataDb;
}

/** One build repository: (build, platform, arch). */
export interface BuildRepoRef {
  buildId: number;
  platform: string;
  arch: string;
}

export interface RepoRecord {
  contentSha256: string;
  repomdSha256: string;
  files: Record<string, string>;
}

const MANIFEST = '.distforge-manifest';

/** Makes `target` hold blob `sha256` of the store, replacing what is there (whole or not at all). */
async function blobToFile(store: ArtifactStore, sha256: string, target: string, mode = 0o644): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  await replaceFile(target, (tmp) => placeBlob(store, sha256, tmp, mode));
}

/** Whether build repositories are shared through the database (several masters: PostgreSQL). */
export function sharedBuildRepos(ctx: Context): boolean {
  return ctx.db.dialect === 'postgres';
}

/** The content key of a package list. */
export function contentKey(wanted: ReadonlyMap<string, string>): string {
  return createHash('sha256').update(JSON.stringify([...wanted])).digest('hex');
}

/**
 * The packages of `wanted` whose name was published in `dir` with other bytes (a signed copy
 * replaced the unsigned one): rendering with `update` reuses a package's record by name, size and
 * mtime, and a signed copy may have the unsigned one's size, so these are read again. The
 * repodata already published stays: a reader that has the current repomd.xml still finds its
 * files (older generations are kept for a grace period).
 */
export function replacedPackages(dir: string, wanted: ReadonlyMap<string, string>): Set<string> {
  let placed: Record<string, string>;
  try {
    placed = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Record<string, string>;
  } catch {
    return new Set();
  }
  return new Set(Object.entries(placed).filter(([name, sha256]) => wanted.has(name) && wanted.get(name) !== sha256).map(([name]) => name));
}

/** The recorded repodata of a repository, or null. */
export async function recordedRepo(ctx: Context, ref: BuildRepoRef): Promise<RepoRecord | null> {
  const row = await metadataDb(ctx)
    .selectFrom('build_repo_metadata')
    .select(['content_sha256', 'repomd_sha256', 'files'])
    .where('build_id', '=', ref.buildId)
    .where('platform', '=', ref.platform)
    .where('arch', '=', ref.arch)
    .executeTakeFirst();
  return row ? { contentSha256: row.content_sha256, repomdSha256: row.repomd_sha256, files: JSON.parse(row.files) as Record<string, string> } : null;
}

/** The repodata files repomd.xml names (repodata/NAME), and repomd.xml itself. */
function repodataFiles(dir: string): string[] {
  const repomd = readFileSync(join(dir, 'repodata', 'repomd.xml'), 'utf8');
  const named = [...repomd.matchAll(/<location href="repodata\/([^"/]+)"/g)].map((m) => m[1] as string);
  return [...new Set(named), 'repomd.xml'];
}

/** Puts the repodata rendered in `dir` into the store and records it. */
async function recordRendered(ctx: Context, ref: BuildRepoRef, dir: string, key: string): Promise<RepoRecord> {
  const files: Record<string, string> = {};
  for (const name of repodataFiles(dir)) files[name] = (await ctx.store.put(readFileSync(join(dir, 'repodata', name)))).sha256;
  const rec: RepoRecord = { contentSha256: key, repomdSha256: files['repomd.xml'] as string, files };
  const values = { content_sha256: key, repomd_sha256: rec.repomdSha256, files: JSON.stringify(files), updated_at: ctx.now() };
  await metadataDb(ctx)
    .insertInto('build_repo_metadata')
    .values({ build_id: ref.buildId, platform: ref.platform, arch: ref.arch, ...values })
    .onConflict((oc) => oc.columns(['build_id', 'platform', 'arch']).doUpdateSet(values))
    .execute();
  return rec;
}

/**
 * Makes `dir` hold exactly the recorded repository: the packages of `wanted` (linked from the
 * store) and the recorded repodata files, repomd.xml renamed in last so a reader sees the old
 * repository or the new one.
 */
async function materialise(ctx: Context, dir: string, rec: RepoRecord, wanted: ReadonlyMap<string, string>): Promise<void> {
  mkdirSync(join(dir, 'repodata'), { recursive: true });
  let placed: Record<string, string> = {};
  try {
    placed = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Record<string, string>;
  } catch {
    // none yet: every package is placed
  }
  for (const f of readdirSync(dir)) if (f.endsWith('.rpm') && placed[f] !== wanted.get(f)) unlinkSync(join(dir, f));
  for (const [name, sha256] of wanted) if (!existsSync(join(dir, name)) || placed[name] !== sha256) await blobToFile(ctx.store, sha256, join(dir, name));
  const repomd = join(dir, 'repodata', 'repomd.xml');
  if (!existsSync(repomd) || (await sha256File(repomd)) !== rec.repomdSha256) {
    for (const [name, sha256] of Object.entries(rec.files)) if (name !== 'repomd.xml') await blobToFile(ctx.store, sha256, join(dir, 'repodata', name));
    await blobToFile(ctx.store, rec.repomdSha256, repomd);
  }
  writeFileSync(join(dir, MANIFEST), JSON.stringify(Object.fromEntries(wanted)));
}

/**
 * Brings the repository `ref` in `dir` up to date for `wanted` on a master of several: when the
 * record is stale, `render` (the single-master publication into `dir`) runs under the cluster
 * lock of the repository and its result is recorded; then `dir` is made to hold the record.
 */
export async function sharedPublish(ctx: Context, ref: BuildRepoRef, dir: string, wanted: ReadonlyMap<string, string>, render: () => Promise<void>): Promise<RepoRecord> {
  const key = contentKey(wanted);
  const fresh = async (): Promise<RepoRecord | null> => {
    const rec = await recordedRepo(ctx, ref);
    return rec?.contentSha256 === key ? rec : null;
  };
  const rec = await withClusterLock(ctx.db, `build-repo:${ref.buildId}:${ref.platform}:${ref.arch}`, fresh, async () => {
    await render();
    return recordRendered(ctx, ref, dir, key);
  });
  await materialise(ctx, dir, rec, wanted);
  return rec;
}
