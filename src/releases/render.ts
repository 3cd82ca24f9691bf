/**
 * Rendering one channel's new version: its packages (from the channel's pool) and advisories into
 * OUT/repodata (unsigned; the sign server signs repomd.xml before the version is published).
 */
import { linkSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRepository } from '../repo/create/create.ts';
import type { Advisory } from '../repo/model.ts';

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
  cacheDir: string;
  compression: 'zstd' | 'gz';
  /** Seconds: repomd's revision and timestamps. */
  timestamp: number;
  /** comps.xml and modules.yaml, passed through. */
  groups?: Buffer;
  modules?: Buffer;
}

/** Renders a version into `outDir` (which must not exist). */
export async function renderChannelVersion(req: RenderRequest): Promise<void> {
  const work = `${req.outDir}.tree`;
  rmSync(work, { recursive: true, force: true });
  try {
    for (const p of req.packages) {
      const target = join(work, p.href);
      mkdirSync(dirname(target), { recursive: true });
      linkSync(p.path, target);
    }
    mkdirSync(work, { recursive: true });
    await createRepository(work, { compression: req.compression, ...(req.advisories.length > 0 && { advisories: req.advisories }), ...(req.groups && { groups: req.groups }), ...(req.modules && { modules: req.modules }), now: req.timestamp * 1000, graceSeconds: 0 });
    mkdirSync(req.outDir, { recursive: true });
    renameSync(join(work, 'repodata'), join(req.outDir, 'repodata'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
