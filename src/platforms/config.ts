/**
 * Reading platform definitions and the server configuration from YAML files, with errors that
 * name the file and the field (or line, for YAML syntax).
 *
 * A platform file is one platform definition (see examples/platforms/example-el9.yaml). The server
 * configuration (`distforge server --config FILE`) is a mapping with a `platforms` list whose
 * entries are platform definitions or paths of platform files (relative to the configuration
 * file), and an optional `git` section: the git service's mirrors and rules (src/git/config.ts).
 * Plain scalars keep the text written: `version: 9.10` is "9.10", `rhel: 9` is "9".
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import YAML, { isScalar } from 'yaml';
import { DistforgeError } from '../errors.ts';
import { parseGitConfig } from '../git/config.ts';
import type { GitConfig } from '../git/types.ts';
import type { Platform } from './types.ts';
import { parsePlatform } from './validate.ts';

/** The server configuration file, validated. */
export interface ServerConfig {
  /** Platforms to create or update at start (the file wins over earlier API changes). */
  platforms: Platform[];
  /** The git service: poll interval, webhook secret, mirrors and rules (absent: none). */
  git?: GitConfig;
}

/** A configuration file that cannot be read, is not YAML, or has an unknown field. */
export class ConfigError extends DistforgeError {
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super('invalid_config', `${file}: ${problem}`, { status: 400, ...options });
  }
}

/** Parses YAML text, keeping plain scalars (numbers, booleans) as the text written. @throws ConfigError */
export function parseYaml(text: string, file: string): unknown {
  const doc = YAML.parseDocument(text);
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0].line;
    throw new ConfigError(file, `not valid YAML${line ? ` (line ${line})` : ''}: ${(first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  YAML.visit(doc, {
    Scalar(_key, node) {
      if ((typeof node.value === 'number' || typeof node.value === 'boolean') && isScalar(node) && node.source !== undefined) node.value = node.source;
    },
  });
  return doc.toJS() as unknown;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new ConfigError(file, `cannot read: ${why}`, { cause: e });
  }
}

/** Reads one platform definition from a YAML (or JSON) file. @throws ConfigError, PlatformDefinitionError */
export function loadPlatformFile(file: string): Platform {
  return parsePlatform(parseYaml(readText(file), file), { file });
}

/** Reads the server configuration file. @throws ConfigError, PlatformDefinitionError, GitDefinitionError */
export function loadConfig(file: string): ServerConfig {
  const doc = parseYaml(readText(file), file);
  if (doc === null || doc === undefined) return { platforms: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(file, 'must be a mapping with a "platforms" list');
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (key !== 'platforms' && key !== 'git') throw new ConfigError(file, `${key}: unknown field (expected platforms, git)`);
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
  return { platforms, ...(top.git !== undefined && { git: parseGitConfig(top.git, file) }) };
}
