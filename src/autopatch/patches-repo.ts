/**
 * Finding a package's config in a checked-out patches repository, and the digest that identifies
 * a config together with the files it uses (for idempotent re-imports).
 *
 * Where the config is, in a repository shared by many packages (more than one found is an error):
 * `<package>/config.yaml`, `<package>/config.yml`, `<package>.yaml`, `<package>.yml`; failing
 * those, in a repository of one package (ALBS style): `config.yaml` or `config.yml` at the root.
 * Files named by actions (add_files `file`, run_script `script`) are relative to the directory
 * holding the config: `<package>/` for the directory form, the repository root otherwise.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadAutopatchConfig } from './config.ts';
import { AutopatchError } from './errors.ts';
import { insideTree } from './layout.ts';
import type { AutopatchConfig } from './types.ts';

export interface PackageConfig {
  /** Path of the config in the patches repository (e.g. `hello/config.yaml`). */
  file: string;
  config: AutopatchConfig;
  /** Absolute directory the config's files are relative to. */
  filesDir: string;
  /** sha256 over the config text and every file it uses. */
  digest: string;
}

/** The config paths naming the package, in lookup order. */
export function configCandidates(packageName: string): string[] {
  return [`${packageName}/config.yaml`, `${packageName}/config.yml`, `${packageName}.yaml`, `${packageName}.yml`];
}

/** The config paths of a one-package repository, used when none naming the package exists. */
export const SINGLE_PACKAGE_CONFIGS = ['config.yaml', 'config.yml'];

function existing(checkout: string, paths: string[]): string[] {
  return paths.filter((c) => existsSync(join(checkout, c)));
}

/** Loads the package's config from a patches checkout, or null when there is none. */
export function findPackageConfig(checkout: string, packageName: string): PackageConfig | null {
  const named = existing(checkout, configCandidates(packageName));
  const found = named.length > 0 ? named : existing(checkout, SINGLE_PACKAGE_CONFIGS);
  const file = found[0];
  if (file === undefined) return null;
  if (found.length > 1) throw new AutopatchError(`patches repository has more than one config for ${packageName}: ${found.join(', ')}`);
  const text = readFileSync(insideTree(checkout, file), 'utf8');
  const config = loadAutopatchConfig(text, file);
  const filesDir = join(checkout, dirname(file));
  const hash = createHash('sha256').update(`${file}\0${text}\0`);
  for (const action of config.actions) {
    const used = action.kind === 'add_files' ? action.file : action.kind === 'run_script' ? action.script : null;
    if (used === null) continue;
    const path = insideTree(filesDir, used);
    hash.update(`${used}\0`).update(existsSync(path) ? readFileSync(path) : Buffer.from('(missing)')).update('\0');
  }
  return { file, config, filesDir, digest: hash.digest('hex') };
}
