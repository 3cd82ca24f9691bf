/**
 * Rendering one channel's new version: its packages (from the channel's pool), advisories and
 * passed-through comps/modules into OUT/repodata (unsigned; the sign server signs repomd.xml before
 * the version is published). src/repo/version does the work from a cache of rendered fragments and
 * compressed chunks shared by all versions of a platform, so a version after one change costs
 * milliseconds of metadata work whatever the repository's size.
 */
import type { Advisory } from '../repo/model.ts';
import { renderRepositoryVersion } from '../repo/version/index.ts';

export interface RenderPackage {
  sha256: string;
  href: string;
  /** The file (in the channel's pool). */
  path: string;
  fileTime: number;
}

export interface RenderRequest {
  packages: RenderPackage[];
  advisories: Advisory[];
  outDir: string;
  /** The platform's render cache (layout.ts renderCacheDir). */
  cacheDir: string;
  compression: 'zstd' | 'gz';
  /** Seconds: repomd's revision and timestamps. */
  timestamp: number;
  /** comps.xml and modules.yaml, passed through. */
  groups?: Buffer;
  modules?: Buffer;
}

/** Renders a version into `outDir` (which must not exist or be empty). */
export async function renderChannelVersion(req: RenderRequest): Promise<void> {
  await renderRepositoryVersion({
    packages: req.packages,
    outDir: req.outDir,
    cacheDir: req.cacheDir,
    revision: String(req.timestamp),
    timestamp: req.timestamp,
    compression: req.compression,
    ...(req.advisories.length > 0 && { advisories: req.advisories }),
    ...(req.groups && { groups: req.groups }),
    ...(req.modules && { modules: req.modules }),
  });
}
