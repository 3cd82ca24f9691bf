/**
 * What the stable client URLs of release repositories point at:
 *
 * ```
 * /repos/PLATFORM/REPO/ARCH/repodata/FILE          the current version of REPO/ARCH
 * /repos/PLATFORM/REPO/ARCH/debug/…                its debuginfo twin
 * /repos/PLATFORM/REPO/Source/…                    its source twin
 * /repos/PLATFORM/REPO/ARCH/@N/repodata/FILE       version N, while it is kept (retention)
 * …/Packages/L/FILE and …/@N/Packages/L/FILE        the channel's packages
 * ```
 *
 * The current version is the one the database says (switched in one transaction for a whole
 * release). A client that read the previous repomd.xml still gets the files it names: a
 * repodata file the current version lacks is looked up in the versions superseded less than the
 * grace period ago.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { findPlatform } from '../platforms/index.ts';
import { buildArches } from '../platforms/types.ts';
import { channelDir, versionDir } from './layout.ts';
import { repoArches } from './placement.ts';
import { releasesDb } from './schema.ts';
import { isKept, materialiseNumbered, materialisePoolFile, materialiseVersion } from './version-files.ts';

/** A file of a release repository: the directory it is under and its path there. */
export interface ServedFile {
  dir: string;
  parts: string[];
}

function notFound(what: string): never {
  throw new NotFoundError(what);
}

/** Splits `ARCH[/debug]|Source/[@N/]REST` into the channel, the version asked for and the rest. */
function parseChannelPath(parts: readonly string[]): { channel: string; version: number | null; rest: string[] } {
  let i = 0;
  let channel = parts[i++] ?? '';
  if (channel !== 'Source' && parts[i] === 'debug') {
    channel = `${channel}/debug`;
    i++;
  }
  let version: number | null = null;
  const at = /^@([1-9][0-9]{0,8})$/.exec(parts[i] ?? '');
  if (at) {
    version = Number(at[1]);
    i++;
  }
  return { channel, version, rest: parts.slice(i) };
}

/** Resolves a path under /repos/PLATFORM/REPO/. @throws NotFoundError */
export async function releaseRepoFile(ctx: Context, platformName: string, repoName: string, parts: readonly string[]): Promise<ServedFile> {
  const platform = await findPlatform(ctx, platformName).catch(() => null);
  const repo = platform?.releases?.repositories.find((r) => r.name === repoName);
  if (!platform || !repo) notFound(`no release repository ${platformName}/${repoName}`);
  const { channel, version, rest } = parseChannelPath(parts);
  const arch = channel.replace(/\/debug$/, '');
  const known = channel === 'Source' ? repo.source !== false : repoArches(platform, repo).includes(arch) && (channel === arch || repo.debuginfo !== false);
  if (!known || ![...buildArches(platform), 'Source'].includes(arch)) notFound(`release repository ${platformName}/${repoName} has no ${channel}`);
  const ref = { repo: repoName, channel };
  const where = `${platformName}/${repoName}/${channel}`;
  // A file this master lacks (another master published it) comes from the store (version-files.ts).
  if (rest[0] === 'Packages' && rest.length > 1) {
    await materialisePoolFile(ctx, platformName, ref, rest.join('/'));
    return { dir: channelDir(ctx, platformName, ref), parts: rest };
  }
  if (rest[0] !== 'repodata' || rest.length !== 2) notFound(`no such file in ${where}: ${rest.join('/')}`);
  const db = releasesDb(ctx);
  const file = rest[1] as string;
  const grace = (platform.releases?.graceSeconds ?? 3600) * 1000;
  if (version !== null) {
    const v = await db.selectFrom('repo_versions').select(['id', 'repo', 'channel', 'number', 'repomd_sha256', 'state', 'superseded_at']).where('platform', '=', platformName).where('repo', '=', repoName).where('channel', '=', channel).where('number', '=', version).executeTakeFirst();
    if (!v || (v.state !== 'published' && v.state !== 'expired')) notFound(`${where} has no version ${version}`);
    if (!isKept(v, grace, ctx.now()) && !existsSync(versionDir(ctx, platformName, ref, version))) notFound(`${where}: version ${version} is no longer kept`);
    return { dir: await materialiseVersion(ctx, platformName, v), parts: ['repodata', file] };
  }
  const current = await db.selectFrom('release_channels').select('current').where('platform', '=', platformName).where('repo', '=', repoName).where('channel', '=', channel).executeTakeFirst();
  if (current?.current === null || current?.current === undefined) notFound(`nothing is released in ${where} yet`);
  const dir = (await materialiseNumbered(ctx, platformName, ref, current.current)) ?? versionDir(ctx, platformName, ref, current.current);
  if (existsSync(join(dir, 'repodata', file)) || file === 'repomd.xml' || file === 'repomd.xml.asc') return { dir, parts: ['repodata', file] };
  // A file of a version superseded within the grace period (a client holding its repomd.xml).
  const recent = await db
    .selectFrom('repo_versions')
    .select('number')
    .where('platform', '=', platformName)
    .where('repo', '=', repoName)
    .where('channel', '=', channel)
    .where('state', 'in', ['published', 'expired'])
    .where('superseded_at', '>=', ctx.now() - grace)
    .orderBy('number', 'desc')
    .execute();
  for (const r of recent) {
    const older = (await materialiseNumbered(ctx, platformName, ref, r.number)) ?? versionDir(ctx, platformName, ref, r.number);
    if (existsSync(join(older, 'repodata', file))) return { dir: older, parts: ['repodata', file] };
  }
  return { dir, parts: ['repodata', file] };
}
