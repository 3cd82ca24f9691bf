/**
 * Reading platform definitions from YAML files, with errors that name the file and the field (or
 * line, for YAML syntax); the YAML reading the server configuration (src/server/config.ts) shares.
 *
 * A platform file is one platform definition (see examples/platforms/example-el9.yaml). Plain
 * scalars keep the text written: `version: 9.10` is "9.10", `rhel: 9` is "9".
 */
import { readFileSync } from 'node:fs';
import YAML, { isScalar } from 'yaml';
import { DistforgeError } from '../errors.ts';
import type { Platform } from './types.ts';
import { parsePlatform } from './validate.ts';

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

/** A file's text. @throws ConfigError naming the file and why it cannot be read */
export function readText(file: string): string {
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
