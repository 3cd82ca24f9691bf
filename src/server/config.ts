/**
 * The server configuration (`distforge server --config FILE`): a YAML mapping with a `platforms`
 * list whose entries are platform definitions or paths of platform files (relative to the
 * configuration file), and an optional `git` section: the git service's mirrors and rules
 * (src/git/config.ts), an optional `http` section: the HTTP server's limits (http-settings.ts),
 * `platformRepos`: the directory of repositories served to platforms, `releaseExport`: the
 * directory release repositories are exported to, and an optional `store` section: the artifact
 * store (src/storage/store-settings.ts). The server composes the domains' parsers here.
 */
import { dirname, resolve } from 'node:path';
import { parseGitConfig } from '../git/config.ts';
import type { GitConfig } from '../git/types.ts';
import { ConfigError, loadPlatformFile, parsePlatform, parseYaml, readText, type Platform } from '../platforms/index.ts';
import { parseStoreSection, type StoreSource } from '../storage/store-settings.ts';
import { parseHttpConfig, type HttpSettings } from './http-settings.ts';

/** The server configuration file, validated. */
export interface ServerConfig {
  /** Platforms to create or update at start (the file wins over earlier API changes). */
  platforms: Platform[];
  /** The git service: poll interval, webhook secret, mirrors and rules (absent: none). */
  git?: GitConfig;
  /** HTTP limits: timeouts, git http-backend processes (absent: defaults). */
  http?: HttpSettings;
  /** The directory of repositories served at /api/v1/platform-repos/ (relative to the file; absent: DATA/platform-repos). */
  platformRepos?: string;
  /** Where release repositories are exported (relative to the file; absent: no export). */
  releaseExport?: string;
  /** The artifact store's settings (flags and environment win over them; absent: DATA/store). */
  store?: StoreSource;
}

/** Reads the server configuration file. @throws ConfigError, PlatformDefinitionError, GitDefinitionError */
export function loadConfig(file: string): ServerConfig {
  const doc = parseYaml(readText(file), file);
  if (doc === null || doc === undefined) return { platforms: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(file, 'must be a mapping with a "platforms" list');
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!['platforms', 'git', 'http', 'platformRepos', 'releaseExport', 'store'].includes(key)) throw new ConfigError(file, `${key}: unknown field (expected platforms, git, http, platformRepos, releaseExport, store)`);
  }
  const list = top.platforms ?? [];
  if (!Array.isArray(list)) throw new ConfigError(file, 'platforms: must be a list of platform definitions or platform file paths');
  const platforms: Platform[] = [];
  list.forEach((entry: unknown, i) => {
    const p =
      typeof entry === 'string'
        ? loadPlatformFile(resolve(dirname(file), entry))
        : parsePlatform(entry, { file, fieldPrefix: `platforms[${i}].` });
    if (platforms.some((q) => q.name === p.name)) throw new ConfigError(file, `platforms[${i}]: platform "${p.name}" is defined twice`);
    platforms.push(p);
  });
  const failHttp = (field: string, problem: string): never => {
    throw new ConfigError(file, `${field}: ${problem}`);
  };
  for (const key of ['platformRepos', 'releaseExport'] as const) {
    const v = top[key];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.length > 4096)) throw new ConfigError(file, `${key}: must be a directory path`);
  }
  return {
    platforms,
    ...(typeof top.platformRepos === 'string' && { platformRepos: resolve(dirname(file), top.platformRepos) }),
    ...(typeof top.releaseExport === 'string' && { releaseExport: resolve(dirname(file), top.releaseExport) }),
    ...(top.git !== undefined && { git: parseGitConfig(top.git, file) }),
    ...(top.http !== undefined && { http: parseHttpConfig(top.http, failHttp) }),
    ...(top.store !== undefined && { store: parseStoreSection(top.store, failHttp) }),
  };
}
