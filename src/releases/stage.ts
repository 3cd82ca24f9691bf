/**
 * Staging a release: the new content of every channel the release changes (what it holds now,
 * plus the plan's signed packages; a forced re-release replaces the package of the same NEVRA),
 * its packages linked into the channel's pool, and its metadata rendered into a staging
 * directory. Nothing here is served: the commit moves the rendered versions into place as
 * staged rows, and only the signing task's completion makes them current.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Context } from '../context.ts';
import type { Platform, PlatformReleases } from '../platforms/types.ts';
import { nevra } from '../rpm/index.ts';
import type { CheckedPackage } from './checks.ts';
import { channelContent, channelPath, currentVersions, type ChannelRef } from './content.ts';
import { channelAdvisories, type ChannelFile } from './errata-link.ts';
import { channelDir, packageHref, renderCacheDir, stagingDir } from './layout.ts';
import { renderChannelVersion } from './render.ts';
import { passthroughFiles } from './repo-files.ts';
import type { ChannelPackage } from './schema.ts';
import { placeBlob } from '../storage/blob-files.ts';
import { sha256File } from '../util/sha256-file.ts';
import { ensurePool } from './version-files.ts';

/** A channel's new version, rendered and waiting to be staged. */
export interface StagedChannel {
  ref: ChannelRef;
  /** The version it was made from (null: the channel's first). */
  base: number | null;
  added: ChannelPackage[];
  removed: ChannelPackage[];
  packages: number;
  advisories: number;
  repomdSha256: string;
  /** Where it was rendered (holds repodata/). */
  renderedDir: string;
}

/** The standard file name of a package. */
function fileName(p: { name: string; version: string; release: string; arch: string }): string {
  return `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`;
}

/** Whether two paths are the same file. */
function sameFile(a: string, b: string): boolean {
  const x = statSync(a, { throwIfNoEntry: false });
  const y = statSync(b, { throwIfNoEntry: false });
  return x !== undefined && y !== undefined && x.ino === y.ino && x.dev === y.dev;
}

/**
 * Links a package into the channel's pool and returns its href: Packages/L/FILE, or, when that
 * place holds another file of the same name, Packages/L/SHA12/FILE.
 */
async function pooled(ctx: Context, pool: string, sha256: string, file: string): Promise<string> {
  for (const href of [packageHref(file), `Packages/${file.charAt(0).toLowerCase()}/${sha256.slice(0, 12)}/${file}`]) {
    const target = join(pool, href);
    const blob = ctx.store.localPath(sha256);
    if (existsSync(target)) {
      if ((blob !== null && sameFile(blob, target)) || (await sha256File(target)) === sha256) return href;
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    await placeBlob(ctx.store, sha256, target);
    return href;
  }
  throw new Error(`${file}: the pool holds other files under both of its names`);
}

/** The channels a release changes: those its packages go to, and those holding packages its advisories cover. */
function affectedChannels(packages: readonly CheckedPackage[], advisoryChannels: readonly ChannelRef[]): ChannelRef[] {
  const out = new Map<string, ChannelRef>();
  for (const p of packages) for (const c of p.channels) out.set(channelPath(c), c);
  for (const c of advisoryChannels) out.set(channelPath(c), c);
  return [...out.values()].sort((a, b) => channelPath(a).localeCompare(channelPath(b)));
}

export interface StageInput {
  platform: Platform & { releases: PlatformReleases };
  releaseId: number;
  packages: readonly CheckedPackage[];
  advisoryIds: readonly string[];
  /** Channels whose updateinfo changes because they hold packages the advisories cover, and those republished for their comps/modules. */
  advisoryChannels: readonly ChannelRef[];
  /** Packages (NEVRAs) a promotion takes out of channels of its source repository. */
  removals?: readonly { ref: ChannelRef; nevras: ReadonlySet<string> }[];
}

/** Renders the new version of every channel the release changes. The caller removes `dir` when it is not used. */
export async function stageRelease(ctx: Context, input: StageInput): Promise<{ dir: string; channels: StagedChannel[] }> {
  const { platform } = input;
  const dir = join(stagingDir(ctx), `release-${input.releaseId}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  try {
    const current = await currentVersions(ctx, platform.name);
    const timestamp = Math.floor(ctx.now() / 1000);
    const channels: StagedChannel[] = [];
    const placed = input.packages.filter((p) => p.signed !== null && p.channels.length > 0);
    // A repository's comps/modules, read once for all its arch channels (twins carry none).
    const extras = new Map<string, ReturnType<typeof passthroughFiles>>();
    const passthrough = (ref: ChannelRef): ReturnType<typeof passthroughFiles> => {
      if (ref.channel === 'Source' || ref.channel.endsWith('/debug')) return Promise.resolve({});
      const got = extras.get(ref.repo) ?? passthroughFiles(ctx, platform.name, ref.repo, ref.channel);
      extras.set(ref.repo, got);
      return got;
    };
    const removals = new Map((input.removals ?? []).map((r) => [channelPath(r.ref), r.nevras]));
    for (const ref of affectedChannels(placed, [...input.advisoryChannels, ...(input.removals ?? []).map((r) => r.ref)])) {
      const before = await channelContent(ctx, platform.name, ref);
      const mine = placed.filter((p) => p.channels.some((c) => c.repo === ref.repo && c.channel === ref.channel));
      const replacing = new Set([...mine.map((p) => p.nevra), ...(removals.get(channelPath(ref)) ?? [])]);
      const removed = before.filter((b) => replacing.has(nevra(b)));
      const pool = channelDir(ctx, platform.name, ref);
      const added: ChannelPackage[] = [];
      for (const p of mine) {
        const signed = p.signed as NonNullable<CheckedPackage['signed']>;
        const href = await pooled(ctx, pool, signed.sha256, fileName(p.row));
        added.push({ sha256: signed.sha256, artifact_id: p.row.artifact_id, name: p.row.name, epoch: p.row.epoch, version: p.row.version, release: p.row.release, arch: p.row.arch, href, file_time: Math.floor(signed.signedAt / 1000) });
      }
      const content = [...before.filter((b) => !replacing.has(nevra(b))), ...added].sort((a, b) => (a.href < b.href ? -1 : a.href > b.href ? 1 : 0));
      await ensurePool(ctx, pool, content);
      const files = new Map<string, ChannelFile>();
      const sources = new Map(input.packages.map((p) => [p.nevra, p.row.sourcerpm]));
      for (const c of content) files.set(nevra(c), { nevra: nevra(c), filename: c.href.split('/').pop() ?? c.href, src: sources.get(nevra(c)) ?? null, sha256: c.sha256 });
      const advisories = await channelAdvisories(ctx, platform.name, input.advisoryIds, files, ctx.now());
      // Flat names: a channel's debug twin lives below it (x86_64/debug), so nested staging paths would move together.
      const renderedDir = join(dir, String(channels.length));
      await renderChannelVersion({
        packages: content.map((c) => ({ sha256: c.sha256, href: c.href, path: join(pool, c.href), fileTime: c.file_time })),
        advisories,
        outDir: renderedDir,
        cacheDir: renderCacheDir(ctx, platform.name),
        compression: platform.releases.compression,
        timestamp,
        ...(await passthrough(ref)),
      });
      const repomdSha256 = createHash('sha256').update(readFileSync(join(renderedDir, 'repodata', 'repomd.xml'))).digest('hex');
      channels.push({ ref, base: current.get(channelPath(ref)) ?? null, added, removed, packages: content.length, advisories: advisories.length, repomdSha256, renderedDir });
    }
    return { dir, channels };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
