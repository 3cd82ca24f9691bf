/**
 * Checking mirror and rule definitions, from the API or the configuration file, field by field:
 * every problem names where it came from (`git mirror`, or the file) and the field
 * (`git.rules[0].tag`). Nothing is looked up here; platforms are checked when a rule is saved.
 */
import { isAbsolute } from 'node:path';
import { nameProblem } from '../platforms/names.ts';
import { gitUrlProblem, MAX_GIT_URL_LENGTH } from '../util/git-url.ts';
import { unsafeTextProblem } from '../util/text.ts';
import { GitDefinitionError } from './errors.ts';
import type { AutopatchSpec, MirrorDefinition, RuleDefinition } from './types.ts';

type Obj = Record<string, unknown>;

/** Where a definition comes from and the prefix of its fields. */
export interface DefinitionSource {
  where: string;
  prefix?: string;
}

class Fields {
  constructor(private readonly src: DefinitionSource) {}

  fail(field: string, problem: string): never {
    throw new GitDefinitionError(this.src.where, `${this.src.prefix ?? ''}${field}`, problem);
  }

  object(value: unknown, field: string, allowed: readonly string[]): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'must be a mapping');
    for (const key of Object.keys(value)) if (!allowed.includes(key)) this.fail(field ? `${field}.${key}` : key, `unknown field (expected ${allowed.join(', ')})`);
    return value as Obj;
  }

  name(value: unknown, field: string): string {
    const problem = nameProblem(value);
    if (problem) this.fail(field, problem);
    return value as string;
  }

  text(value: unknown, field: string, max = 4096): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(field, 'must be a non-empty string');
    if (value.length > max) this.fail(field, `must be at most ${max} characters`);
    const unsafe = unsafeTextProblem(value);
    if (unsafe) this.fail(field, unsafe);
    if (/\s/.test(value)) this.fail(field, 'must not contain spaces');
    return value;
  }

  /** A git URL: bounded, no credentials (the message never echoes them). */
  gitUrl(value: unknown, field: string): string {
    if (typeof value === 'string') {
      const problem = gitUrlProblem(value);
      if (problem) this.fail(field, problem);
    }
    return this.text(value, field, MAX_GIT_URL_LENGTH);
  }

  names(value: unknown, field: string): string[] {
    if (!Array.isArray(value) || value.length === 0) this.fail(field, 'must be a non-empty list of names');
    return [...new Set(value.map((v, i) => this.name(v, `${field}[${i}]`)))];
  }
}

const BAD_REF = /[\s~^:\\[\0]|\.\.|@\{|\/\/|^[/.-]|\/$|\.lock$/;

/** Why `pattern` (a tag or branch glob) is not usable, or null. */
export function patternProblem(pattern: string): string | null {
  if (pattern.startsWith('refs/')) return `"${pattern}" must be a tag or branch name, without refs/tags/ or refs/heads/`;
  if (BAD_REF.test(pattern) || pattern.length > 200) return `"${pattern}" is not a valid tag or branch pattern (no spaces, ~ ^ : \\ [, "..", "//", leading / . - or trailing /)`;
  return null;
}

/** Checks a mirror definition. @throws GitDefinitionError */
export function parseMirrorDefinition(raw: unknown, src: DefinitionSource): MirrorDefinition {
  const f = new Fields(src);
  const o = f.object(raw, '', ['name', 'url', 'webhookSecret', 'pollIntervalSeconds']);
  const name = f.name(o.name, 'name');
  const url = f.gitUrl(o.url, 'url');
  if (!url.includes(':') && !isAbsolute(url)) f.fail('url', `a local repository must be given by its absolute path, not "${url}"`);
  const def: MirrorDefinition = { name, url };
  if (o.webhookSecret !== undefined) def.webhookSecret = f.text(o.webhookSecret, 'webhookSecret', 256);
  if (o.pollIntervalSeconds !== undefined) def.pollIntervalSeconds = parseSeconds(f, o.pollIntervalSeconds, 'pollIntervalSeconds');
  return def;
}

/** A whole number of seconds from 1 to a week (numbers or their text, as YAML keeps it). */
export function parseSeconds(f: Pick<Fields, 'fail'>, value: unknown, field: string, max = 604_800): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) f.fail(field, `must be a whole number from 1 to ${max}`);
  return n;
}

function parseAutopatch(f: Fields, raw: unknown): AutopatchSpec {
  const o = f.object(raw, 'autopatch', ['repo', 'ref', 'branch', 'tagPrefix']);
  const branch = f.text(o.branch, 'autopatch.branch', 100);
  if (BAD_REF.test(branch) || branch.includes('*')) f.fail('autopatch.branch', `"${branch}" is not a valid branch name`);
  const spec: AutopatchSpec = { branch };
  if (o.repo !== undefined) spec.repo = f.gitUrl(o.repo, 'autopatch.repo');
  if (o.ref !== undefined) spec.ref = f.text(o.ref, 'autopatch.ref', 200);
  if (o.tagPrefix !== undefined) {
    spec.tagPrefix = f.text(o.tagPrefix, 'autopatch.tagPrefix', 100);
    if (BAD_REF.test(spec.tagPrefix)) f.fail('autopatch.tagPrefix', `"${spec.tagPrefix}" is not a valid tag prefix`);
  }
  return spec;
}

/** Checks a rule definition. @throws GitDefinitionError */
export function parseRuleDefinition(raw: unknown, src: DefinitionSource): RuleDefinition {
  const f = new Fields(src);
  const o = f.object(raw, '', ['name', 'tag', 'branch', 'mirrors', 'platforms', 'autopatch']);
  const rule: RuleDefinition = { name: f.name(o.name, 'name'), platforms: f.names(o.platforms, 'platforms') };
  if ((o.tag === undefined) === (o.branch === undefined)) f.fail('', 'give exactly one of tag and branch (a glob over tag or branch names)');
  const kind = o.tag !== undefined ? 'tag' : 'branch';
  const pattern = f.text(o[kind], kind, 200);
  const problem = patternProblem(pattern);
  if (problem) f.fail(kind, problem);
  rule[kind] = pattern;
  if (o.mirrors !== undefined) rule.mirrors = f.names(o.mirrors, 'mirrors');
  if (o.autopatch !== undefined) rule.autopatch = parseAutopatch(f, o.autopatch);
  return rule;
}

/** `*` → any characters (slashes too), `?` → one; everything else literal. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
