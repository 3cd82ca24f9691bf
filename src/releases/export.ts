/**
 * Exporting release repositories to a directory a plain web server or rsync mirrors serve
 * (setting `releaseExportDir`): the same layout as the master's URLs, kept in step with what the
 * database says is current.
 *
 * ```
 * EXPORT/PLATFORM/REPO/CHANNEL/Packages/…     hard links of the channel's pool
 * EXPORT/PLATFORM/REPO/CHANNEL/repodata/…     the current version, switched atomically (repomd.xml
 *                                             renamed in last; superseded files kept for the grace period)
 * EXPORT/PLATFORM/REPO/CHANNEL/@N/repodata/…  each kept version; @N/Packages links to ../Packages
 * ```
 *
 * Files are hard-linked (copied across file systems); a sync that finds nothing changed writes nothing.
 */
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Context } from '../context.ts';
import { filesUnder } from '../util/files-under.ts';
import { listPlatforms } from '../platforms/store.ts';
import { publishGeneration } from '../repo/publish/generations.ts';
import { channelDir, versionDir } from './layout.ts';
import { allChannels } from './placement.ts';
import { releasesDb } from './schema.ts';
import { materialiseChannel } from './version-files.ts';

/** Links `from` to `to` (or copies it across file systems), unless `to` exists. */
function place(from: string, to: string): void {
  if (existsSync(to)) return;
  mkdirSync(dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    copyFileSync(from, to);
  }
}

/** Mirrors one channel's pool: new files linked, files gone from the pool removed. */
function syncPool(src: string, dst: string): void {
  const wanted = new Set(filesUnder(join(src, 'Packages')));
  for (const f of wanted) place(join(src, 'Packages', f), join(dst, 'Packages', f));
  for (const f of filesUnder(join(dst, 'Packages'))) if (!wanted.has(f)) unlinkSync(join(dst, 'Packages', f));
}

/** Brings EXPORT's copy of one channel in step with the master. */
async function syncChannel(ctx: Context, exportDir: string, platform: string, c: { repo: string; channel: string }, graceSeconds: number): Promise<void> {
  const db = releasesDb(ctx);
  // What another master published is fetched into this master's copy first (version-files.ts).
  await materialiseChannel(ctx, platform, c, graceSeconds * 1000);
  const src = channelDir(ctx, platform, c);
  const dst = join(exportDir, platform, c.repo, c.channel);
  const current = await db.selectFrom('release_channels').select('current').where('platform', '=', platform).where('repo', '=', c.repo).where('channel', '=', c.channel).executeTakeFirst();
  const kept = await db.selectFrom('repo_versions').select('number').where('platform', '=', platform).where('repo', '=', c.repo).where('channel', '=', c.channel).where('state', 'in', ['published', 'expired']).execute();
  if (!existsSync(src) && !existsSync(dst)) return;
  syncPool(src, dst);
  const keptDirs = new Set<string>();
  for (const { number } of kept) {
    const from = versionDir(ctx, platform, c, number);
    if (!existsSync(join(from, 'repodata', 'repomd.xml'))) continue;
    keptDirs.add(`@${number}`);
    for (const f of readdirSync(join(from, 'repodata'))) place(join(from, 'repodata', f), join(dst, `@${number}`, 'repodata', f));
    const link = join(dst, `@${number}`, 'Packages');
    if (!lstatSync(link, { throwIfNoEntry: false })) symlinkSync('../Packages', link);
  }
  if (existsSync(dst)) {
    for (const e of readdirSync(dst)) if (/^@\d+$/.test(e) && !keptDirs.has(e)) rmSync(join(dst, e), { recursive: true, force: true });
  }
  const live = join(dst, 'repodata');
  if (current?.current === null || current?.current === undefined) {
    rmSync(live, { recursive: true, force: true });
    return;
  }
  const from = join(versionDir(ctx, platform, c, current.current), 'repodata');
  const repomd = readFileSync(join(from, 'repomd.xml'), 'utf8');
  if (existsSync(join(live, 'repomd.xml')) && readFileSync(join(live, 'repomd.xml'), 'utf8') === repomd) return;
  for (const f of readdirSync(from)) if (f !== 'repomd.xml' && f !== 'repomd.xml.asc') place(join(from, f), join(live, f));
  mkdirSync(live, { recursive: true });
  const asc = join(from, 'repomd.xml.asc');
  await publishGeneration(live, { repomd, sign: existsSync(asc) ? () => Promise.resolve(readFileSync(asc, 'utf8')) : null, graceSeconds, now: ctx.now() });
}

/** Brings the export directory in step with every platform's release repositories. */
export async function syncReleaseExport(ctx: Context, exportDir: string): Promise<void> {
  for (const platform of await listPlatforms(ctx)) {
    if (!platform.releases) continue;
    for (const c of allChannels(platform)) await syncChannel(ctx, exportDir, platform.name, c, platform.releases.graceSeconds);
  }
}
