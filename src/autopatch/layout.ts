/**
 * The dist-git layout of a package tree: the spec at the root or in `SPECS/`, the sources beside
 * it or in `SOURCES/`. Action targets are resolved here, never outside the tree.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { AutopatchError } from './errors.ts';

export interface PackageLayout {
  /** Absolute path of the package tree. */
  root: string;
  /** The spec, relative to the root (e.g. `hello.spec` or `SPECS/hello.spec`). */
  spec: string;
  /** The sources dir relative to the root: `''` (flat layout) or `SOURCES`. */
  sourcesDir: string;
}

function specsIn(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.spec')).sort();
}

function pickSpec(candidates: string[], packageName: string): string | undefined {
  return candidates.find((f) => f === `${packageName}.spec`) ?? (candidates.length === 1 ? candidates[0] : undefined);
}

/** Finds the spec of `packageName` in the tree: `SPECS/<name>.spec` or `<name>.spec` (or the only spec there). */
export function detectLayout(root: string, packageName: string): PackageLayout {
  const inSpecs = pickSpec(specsIn(join(root, 'SPECS')), packageName);
  if (inSpecs !== undefined) return { root, spec: `SPECS/${inSpecs}`, sourcesDir: 'SOURCES' };
  const atRoot = pickSpec(specsIn(root), packageName);
  if (atRoot !== undefined) return { root, spec: atRoot, sourcesDir: '' };
  throw new AutopatchError(`no spec for ${packageName} in the upstream import (looked for SPECS/${packageName}.spec and ${packageName}.spec)`);
}

/** Joins `rel` to `base` and checks that the result (following links) stays inside `base`. */
export function insideTree(base: string, rel: string): string {
  const full = resolve(base, rel);
  const real = existsSync(full) ? realpathSync(full) : full;
  const baseReal = realpathSync(base);
  if (real !== baseReal && !real.startsWith(baseReal + sep)) {
    throw new AutopatchError(`${rel} points outside ${base}`);
  }
  return full;
}

/** A target's path relative to the tree root: the spec for `spec`, else inside the sources dir. */
export function targetPath(layout: PackageLayout, target: string): string {
  return target === 'spec' ? layout.spec : join(layout.sourcesDir, target);
}

/** Absolute path of a target (checked to be inside the tree). */
export function targetFile(layout: PackageLayout, target: string): string {
  return insideTree(layout.root, targetPath(layout, target));
}

/** Tree-relative path for messages. */
export function display(layout: PackageLayout, absolute: string): string {
  return relative(layout.root, absolute);
}
