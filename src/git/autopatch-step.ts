/**
 * The autopatch step of an event whose rule autopatches: the upstream ref of the mirror imported
 * into our repository (DATA/git/ours/NAME.git) on our branch with the patches applied and tagged,
 * by src/autopatch's `importWithAutopatch` (which pushes nothing when it fails).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importWithAutopatch } from '../autopatch/index.ts';
import { mirrorDir, oursDir } from './mirror-repo.ts';
import type { AutopatchSpec } from './types.ts';

/** Imports `ref` of mirror `name` into our repository with the rule's patches; returns our tag and commit. */
export async function autopatchRef(dataDir: string, name: string, ref: string, spec: AutopatchSpec): Promise<{ tag: string; commit: string }> {
  const workDir = await mkdtemp(join(tmpdir(), 'distforge-autopatch-'));
  try {
    const r = await importWithAutopatch({
      upstreamRepo: mirrorDir(dataDir, name),
      upstreamRef: ref,
      packageName: name,
      patches: spec.repo ? { repo: spec.repo.replaceAll('{package}', name), ref: spec.ref ?? 'main' } : null,
      targetRepo: oursDir(dataDir, name),
      branch: spec.branch,
      ...(spec.tagPrefix !== undefined && { tagPrefix: spec.tagPrefix }),
      workDir,
    });
    return { tag: r.tag, commit: r.commit };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
