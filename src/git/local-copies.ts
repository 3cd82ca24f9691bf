/**
 * A master's git repositories are copies (docs/scale-out.md): a mirror's truth is its upstream
 * with the refs the database records, our autopatched repository's truth is its bundle in the
 * artifact store (`git_ours_bundles`). Before one is served or built from, a master that lacks
 * it, or whose copy's refs differ from the recorded ones, brings it up to date: the mirror by
 * fetching the upstream, ours by fetching the bundle. After every autopatch import ours is
 * bundled into the store again. One update per repository at a time in a process.
 *
 * Terminology:
 * - refs digest: sha256 of `git for-each-ref` of a repository (name, object), what tells two
 *   copies of ours apart.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Context } from '../context.ts';
import { placeBlob } from '../storage/blob-files.ts';
import type { ArtifactStore } from '../storage/store.ts';
import { replaceFile } from '../util/atomic-file.ts';
import { GitMirrorError } from './errors.ts';
import { lastErrorLine, runGit } from './git-cli.ts';
import { mirrorDir, mirrorRefs, oursDir, updateMirror } from './mirror-repo.ts';
import { gitDb } from './schema.ts';

/** Makes `target` hold blob `sha256` of the store, replacing what is there (whole or not at all). */
async function blobToFile(store: ArtifactStore, sha256: string, target: string, mode = 0o644): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  await replaceFile(target, (tmp) => placeBlob(store, sha256, tmp, mode));
}

/** Updates under way in this process, by directory. */
const updating = new Map<string, Promise<void>>();

/** Runs `fn` unless an update of `dir` is under way, which is waited for instead. */
async function once(dir: string, fn: () => Promise<void>): Promise<void> {
  const running = updating.get(dir);
  if (running) return running;
  const p = fn().finally(() => updating.delete(dir));
  updating.set(dir, p);
  return p;
}

/** The refs digest of a repository, or null when it does not exist. */
async function refsDigest(dir: string): Promise<string | null> {
  if (!existsSync(join(dir, 'HEAD'))) return null;
  const r = await runGit(['--git-dir', dir, 'for-each-ref', '--format=%(refname) %(objectname)']);
  if (r.code !== 0) throw new GitMirrorError(`cannot read the refs of ${dir}: ${lastErrorLine(r.stderr)}`);
  return createHash('sha256').update(r.stdout).digest('hex');
}

/**
 * Makes this master's copy of mirror `name` hold at least the refs the database records: fetched
 * from the upstream when missing or different. A mirror never synced yet is left alone.
 */
export async function ensureMirror(ctx: Context, name: string): Promise<void> {
  const db = gitDb(ctx);
  const row = await db.selectFrom('git_mirrors').select(['id', 'url', 'synced_at']).where('name', '=', name).executeTakeFirst();
  if (!row || row.synced_at === null) return;
  const dir = mirrorDir(ctx.settings.dataDir, name);
  const recorded = await db.selectFrom('git_mirror_refs').select(['name', 'target']).where('mirror_id', '=', row.id).execute();
  if (existsSync(join(dir, 'HEAD'))) {
    const local = await mirrorRefs(ctx.settings.dataDir, name);
    if (recorded.every((r) => local.get(r.name)?.target === r.target) && local.size === recorded.length) return;
  }
  await once(dir, async () => {
    await updateMirror(ctx.settings.dataDir, name, row.url);
    ctx.log.info({ mirror: name }, 'git mirror fetched from its upstream (this master lacked it or was behind)');
  });
}

/** Makes this master's copy of our repository `name` the recorded one (from its bundle in the store); false when there is none recorded. */
export async function ensureOurs(ctx: Context, name: string): Promise<boolean> {
  const rec = await gitDb(ctx).selectFrom('git_ours_bundles').select(['sha256', 'refs_sha256']).where('name', '=', name).executeTakeFirst();
  if (!rec) return existsSync(join(oursDir(ctx.settings.dataDir, name), 'HEAD'));
  const dir = oursDir(ctx.settings.dataDir, name);
  if ((await refsDigest(dir)) === rec.refs_sha256) return true;
  await once(dir, () => fetchBundle(ctx, dir, rec.sha256));
  return true;
}

/** Replaces `dir` with a clone of the bundle `sha256` (renamed into place: never seen half made). */
async function fetchBundle(ctx: Context, dir: string, sha256: string): Promise<void> {
  const bundle = join(tmpdir(), `distforge-bundle-${randomBytes(6).toString('hex')}.bundle`);
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await blobToFile(ctx.store, sha256, bundle, 0o600);
    mkdirSync(dirname(dir), { recursive: true });
    const r = await runGit(['clone', '--quiet', '--mirror', '--', bundle, tmp], undefined, 1_800_000);
    if (r.code !== 0) throw new GitMirrorError(`cannot restore ${dir} from its bundle: ${lastErrorLine(r.stderr)}`);
    await runGit(['--git-dir', tmp, 'remote', 'remove', 'origin']);
    const old = `${dir}.old-${randomBytes(4).toString('hex')}`;
    if (existsSync(dir)) await rename(dir, old);
    await rename(tmp, dir);
    await rm(old, { recursive: true, force: true });
    ctx.log.info({ repository: dir }, 'our git repository restored from its bundle in the store');
  } finally {
    await rm(bundle, { force: true });
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Bundles our repository `name` into the store and records it (after an autopatch import). */
export async function saveOurs(ctx: Context, name: string): Promise<void> {
  const dir = oursDir(ctx.settings.dataDir, name);
  const digest = await refsDigest(dir);
  if (digest === null) return;
  const bundle = join(tmpdir(), `distforge-bundle-${randomBytes(6).toString('hex')}.bundle`);
  try {
    const r = await runGit(['--git-dir', dir, 'bundle', 'create', '--quiet', bundle, '--all'], undefined, 1_800_000);
    if (r.code !== 0) throw new GitMirrorError(`cannot bundle ${dir}: ${lastErrorLine(r.stderr)}`);
    const blob = await ctx.store.put(await readFile(bundle));
    const values = { sha256: blob.sha256, refs_sha256: digest, updated_at: ctx.now() };
    await gitDb(ctx)
      .insertInto('git_ours_bundles')
      .values({ name, ...values })
      .onConflict((oc) => oc.column('name').doUpdateSet(values))
      .execute();
  } finally {
    await rm(bundle, { force: true });
  }
}
