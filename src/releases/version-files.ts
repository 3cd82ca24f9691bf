/**
 * Release repository versions on several masters (docs/scale-out.md): every repodata file of a
 * staged version goes into the artifact store and is recorded (`repo_version_files`, by the
 * version's id) in the transaction that stages it; the signature is in `repomd_signatures`; a
 * package's href names its sha256 (`channel_packages`, `repo_version_changes`). So a master's
 * DATA/releases/ is a cache: a version or a pool file it lacks, or holds with other bytes (a
 * rendering of a master killed before its commit), is fetched from the store when it is asked
 * for. The database alone says which version is current, so publication stays one transaction.
 */
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Context } from '../context.ts';
import { placeBlob } from '../storage/blob-files.ts';
import type { ArtifactStore } from '../storage/store.ts';
import { replaceFile, replaceFileSync } from '../util/atomic-file.ts';
import { sha256File } from '../util/sha256-file.ts';
import type { ChannelRef } from './content.ts';
import { channelDir, versionDir } from './layout.ts';
import type { ReleasesDatabase, RepoVersionRow } from './schema.ts';

export interface RepoVersionFilesTable {
  version_id: number;
  /** File name under repodata/ (repomd.xml included). */
  name: string;
  sha256: string;
  size: number;
}

/** A repodata file of a version, as stored. */
export interface VersionFile {
  name: string;
  sha256: string;
  size: number;
}

/** Makes `target` hold blob `sha256` of the store, replacing what is there (whole or not at all). */
async function blobToFile(store: ArtifactStore, sha256: string, target: string, mode = 0o644): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  await replaceFile(target, (tmp) => placeBlob(store, sha256, tmp, mode));
}

type FilesDb = Kysely<ReleasesDatabase & { repo_version_files: RepoVersionFilesTable }>;

function filesDb(ctx: Context): FilesDb {
  return ctx.db.kysely as unknown as FilesDb;
}

/** Puts every file of `renderedDir`/repodata into the store (before the staging transaction). */
export async function storeRenderedFiles(ctx: Context, renderedDir: string): Promise<VersionFile[]> {
  const out: VersionFile[] = [];
  const dir = join(renderedDir, 'repodata');
  for (const name of readdirSync(dir).sort()) {
    if (!statSync(join(dir, name)).isFile() || name === 'repomd.xml.asc') continue;
    const blob = await ctx.store.put(readFileSync(join(dir, name)));
    out.push({ name, sha256: blob.sha256, size: blob.size });
  }
  return out;
}

/** Records a version's files (inside its transaction). */
export async function recordVersionFiles(tx: Context, versionId: number, files: readonly VersionFile[]): Promise<void> {
  if (files.length === 0) return;
  await filesDb(tx).insertInto('repo_version_files').values(files.map((f) => ({ version_id: versionId, ...f }))).execute();
}

/** Records version `to` with the files of version `from` (a revert serves the earlier bytes). */
export async function copyVersionFiles(tx: Context, from: number, to: number): Promise<void> {
  const rows = await filesDb(tx).selectFrom('repo_version_files').select(['name', 'sha256', 'size']).where('version_id', '=', from).execute();
  await recordVersionFiles(tx, to, rows);
}

/** The newest signature made over these repomd.xml bytes, or null. */
async function signatureOf(ctx: Context, repomdSha256: string): Promise<string | null> {
  const row = await filesDb(ctx).selectFrom('repomd_signatures').select('signature').where('repomd_sha256', '=', repomdSha256).orderBy('signed_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  return row?.signature ?? null;
}

/**
 * Makes this master's directory of version `v` hold its recorded files (repomd.xml written last,
 * so a reader sees a whole version), and repomd.xml.asc once the version was signed. A version
 * recorded before its files were (migration 0016) is left as this master has it. Returns the
 * version's directory.
 */
export async function materialiseVersion(ctx: Context, platform: string, v: Pick<RepoVersionRow, 'id' | 'repo' | 'channel' | 'number' | 'repomd_sha256' | 'state'>): Promise<string> {
  const dir = versionDir(ctx, platform, v, v.number);
  const repomd = join(dir, 'repodata', 'repomd.xml');
  if (!existsSync(repomd) || (await sha256File(repomd)) !== v.repomd_sha256) {
    const files = await filesDb(ctx).selectFrom('repo_version_files').select(['name', 'sha256']).where('version_id', '=', v.id).execute();
    if (files.length === 0) return dir;
    for (const f of files) if (f.name !== 'repomd.xml') await blobToFile(ctx.store, f.sha256, join(dir, 'repodata', f.name));
    await blobToFile(ctx.store, v.repomd_sha256, repomd);
  }
  const asc = join(dir, 'repodata', 'repomd.xml.asc');
  if (v.state !== 'staged' && v.state !== 'discarded' && !existsSync(asc)) {
    const signature = await signatureOf(ctx, v.repomd_sha256);
    if (signature !== null) replaceFileSync(asc, (tmp) => writeFileSync(tmp, signature, { mode: 0o644 }));
  }
  return dir;
}

/** Version `number` of a channel, materialised; null when there is no such version. */
export async function materialiseNumbered(ctx: Context, platform: string, ref: ChannelRef, number: number): Promise<string | null> {
  const v = await filesDb(ctx).selectFrom('repo_versions').select(['id', 'repo', 'channel', 'number', 'repomd_sha256', 'state']).where('platform', '=', platform).where('repo', '=', ref.repo).where('channel', '=', ref.channel).where('number', '=', number).executeTakeFirst();
  return v ? materialiseVersion(ctx, platform, v) : null;
}

/** The sha256 of the package at `href` of a channel: what it holds now, or what a version added. */
async function packageAt(ctx: Context, platform: string, ref: ChannelRef, href: string): Promise<string | null> {
  const db = filesDb(ctx);
  const now = await db.selectFrom('channel_packages').select('sha256').where('platform', '=', platform).where('repo', '=', ref.repo).where('channel', '=', ref.channel).where('href', '=', href).executeTakeFirst();
  if (now) return now.sha256;
  const added = await db
    .selectFrom('repo_version_changes as c')
    .innerJoin('repo_versions as v', 'v.id', 'c.version_id')
    .select('c.sha256')
    .where('v.platform', '=', platform)
    .where('v.repo', '=', ref.repo)
    .where('v.channel', '=', ref.channel)
    .where('v.state', 'in', ['staged', 'published', 'expired'])
    .where('c.href', '=', href)
    .where('c.change', '=', 'added')
    .orderBy('v.number', 'desc')
    .executeTakeFirst();
  return added?.sha256 ?? null;
}

/** Links a package of the channel's pool this master lacks from the store; false when the channel has no such package. */
export async function materialisePoolFile(ctx: Context, platform: string, ref: ChannelRef, href: string): Promise<boolean> {
  const path = join(channelDir(ctx, platform, ref), href);
  if (existsSync(path)) return true;
  const sha256 = await packageAt(ctx, platform, ref, href);
  if (sha256 === null || !(await ctx.store.has(sha256))) return false;
  await blobToFile(ctx.store, sha256, path);
  return true;
}

/** Makes the pool hold `packages` (before rendering from it: a cold render cache opens them). */
export async function ensurePool(ctx: Context, pool: string, packages: readonly { href: string; sha256: string }[]): Promise<void> {
  for (const p of packages) {
    const path = join(pool, p.href);
    if (!existsSync(path)) await blobToFile(ctx.store, p.sha256, path);
  }
}

/** Whether a version is still served: published, or expired less than the grace period after it was superseded. */
export function isKept(v: Pick<RepoVersionRow, 'state' | 'superseded_at'>, graceMs: number, now: number): boolean {
  return v.state === 'published' || (v.state === 'expired' && (v.superseded_at ?? 0) + graceMs >= now);
}

/** Makes this master's copy of a channel whole: every kept version's repodata and the packages they list (for the export). */
export async function materialiseChannel(ctx: Context, platform: string, ref: ChannelRef, graceMs: number): Promise<void> {
  const db = filesDb(ctx);
  const versions = await db.selectFrom('repo_versions').select(['id', 'repo', 'channel', 'number', 'repomd_sha256', 'state', 'superseded_at']).where('platform', '=', platform).where('repo', '=', ref.repo).where('channel', '=', ref.channel).where('state', 'in', ['published', 'expired']).execute();
  if (versions.length === 0) return;
  mkdirSync(channelDir(ctx, platform, ref), { recursive: true });
  const kept = versions.filter((v) => isKept(v, graceMs, ctx.now()));
  for (const v of kept) await materialiseVersion(ctx, platform, v);
  const current = await db.selectFrom('channel_packages').select(['href', 'sha256']).where('platform', '=', platform).where('repo', '=', ref.repo).where('channel', '=', ref.channel).execute();
  // Packages a kept version lists that a later one removed: what its version added (or a revert put back).
  const ids = kept.map((v) => v.id);
  const older = ids.length === 0 ? [] : await db.selectFrom('repo_version_changes').select(['href', 'sha256']).where('version_id', 'in', ids).execute();
  await ensurePool(ctx, channelDir(ctx, platform, ref), [...current, ...older]);
}
