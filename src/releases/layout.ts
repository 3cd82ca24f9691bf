/**
 * Where releases live in the data directory:
 *
 * ```
 * DATA/releases/PLATFORM/REPO/CHANNEL/          a channel (CHANNEL: ARCH, ARCH/debug or Source)
 *   Packages/L/FILE                             its pool: every package of its retained versions
 *                                               (hard links into the artifact store)
 *   @N/repodata/…                               version N's metadata (repomd.xml, .asc, …)
 * DATA/releases/.staging/                       versions being rendered (moved into place when staged)
 * DATA/releases/.render-cache/PLATFORM/         rendered metadata of packages, reused by new versions
 * ```
 */
import { join } from 'node:path';
import type { Context } from '../context.ts';
import type { ChannelRef } from './content.ts';

export function releasesDir(ctx: Context): string {
  return join(ctx.settings.dataDir, 'releases');
}

export function channelDir(ctx: Context, platform: string, c: ChannelRef): string {
  return join(releasesDir(ctx), platform, c.repo, c.channel);
}

export function versionDir(ctx: Context, platform: string, c: ChannelRef, n: number): string {
  return join(channelDir(ctx, platform, c), `@${n}`);
}

export function stagingDir(ctx: Context): string {
  return join(releasesDir(ctx), '.staging');
}

export function renderCacheDir(ctx: Context, platform: string): string {
  return join(releasesDir(ctx), '.render-cache', platform);
}

/** A package's place in a channel: Packages/<first letter>/<file>. */
export function packageHref(file: string): string {
  return `Packages/${file.charAt(0).toLowerCase()}/${file}`;
}
