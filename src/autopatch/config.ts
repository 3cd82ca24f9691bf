/**
 * The autopatch config: parsing and validation of a package's YAML file (format in
 * docs/autopatch.md). Every error names the file and the field, e.g.
 * `hello.yml: actions[2].replace.count: must be a whole number ≥ 1`.
 */
import { parseDocument } from 'yaml';
import { plainFileNameProblem, quoteFileName } from '../util/file-name.ts';
import { AutopatchConfigError } from './errors.ts';
import type { ActionKind, AutopatchAction, AutopatchConfig } from './types.ts';

type Raw = Record<string, unknown>;

/** Reads the fields of one YAML mapping, rejecting unknown keys and wrong types. */
class FieldReader {
  private readonly used = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly path: string,
    private readonly raw: Raw,
  ) {}

  fail(field: string, problem: string): never {
    const where = field === '' ? this.path : this.path === '' ? field : `${this.path}.${field}`;
    throw new AutopatchConfigError(this.file, where, problem);
  }

  private take(key: string): unknown {
    this.used.add(key);
    return this.raw[key];
  }

  string(key: string, fallback?: string): string {
    const v = this.take(key);
    if (v === undefined && fallback !== undefined) return fallback;
    if (v === undefined) this.fail(key, 'is required');
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') this.fail(key, 'must be a string');
    if (v === '' && fallback === undefined) this.fail(key, 'must not be empty');
    return v;
  }

  optionalString(key: string): string | null {
    return this.raw[key] === undefined ? (this.take(key), null) : this.string(key);
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.take(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(key, 'must be true or false');
    return v;
  }

  integer(key: string, fallback: number | null, min: number): number | null {
    const v = this.take(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(key, `must be a whole number ≥ ${min}`);
    return v;
  }

  /** A list of strings; a single string is accepted as a one-element list. */
  strings(key: string, required: boolean): string[] {
    const v = this.take(key);
    if (v === undefined) {
      if (required) this.fail(key, 'is required');
      return [];
    }
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list)) this.fail(key, 'must be a list of strings');
    return list.map((item, i) => {
      if (typeof item === 'string' || typeof item === 'number') return String(item);
      return this.fail(`${key}[${i}]`, 'must be a string');
    });
  }

  /** A relative path without `..` components (it names a file inside a tree), whose names are plain file names. */
  relativePath(key: string, value: string): string {
    const parts = value.split('/');
    if (value.startsWith('/') || parts.some((p) => p === '..' || p === '')) {
      this.fail(key, `must be a relative path without '..' (got ${JSON.stringify(value)})`);
    }
    for (const part of parts) {
      const problem = plainFileNameProblem(part);
      if (problem) this.fail(key, `${quoteFileName(part)} ${problem}`);
    }
    return value;
  }

  /** Rejects keys that were never read. */
  done(): void {
    for (const key of Object.keys(this.raw)) if (!this.used.has(key)) this.fail(key, 'unknown field');
  }
}

function target(r: FieldReader): string {
  const t = r.string('target', 'spec');
  return t === 'spec' ? t : r.relativePath('target', t);
}

function checkRegex(r: FieldReader, key: string, source: string, regex: boolean): void {
  if (!regex) return;
  try {
    new RegExp(source, 'm');
  } catch (err) {
    r.fail(key, `is not a valid regular expression: ${(err as Error).message}`);
  }
}

const PARSERS: Record<ActionKind, (r: FieldReader) => AutopatchAction> = {
  replace: (r) => {
    const regex = r.boolean('regex', false);
    const a = { kind: 'replace', target: target(r), find: r.string('find'), replace: r.string('replace', ''), regex, count: r.integer('count', 1, 1) ?? 1 } as const;
    checkRegex(r, 'find', a.find, regex);
    return a;
  },
  delete_line: (r) => {
    const regex = r.boolean('regex', false);
    const a = { kind: 'delete_line', target: target(r), lines: r.strings('lines', true), regex } as const;
    a.lines.forEach((l, i) => checkRegex(r, `lines[${i}]`, l, regex));
    return a;
  },
  add_line: (r) => {
    const regex = r.boolean('regex', false);
    const after = r.optionalString('after');
    const before = r.optionalString('before');
    const at = r.optionalString('at');
    const given = [after, before, at].filter((x) => x !== null).length;
    if (given !== 1) r.fail('', 'needs exactly one of after, before, at');
    if (at !== null && at !== 'top' && at !== 'bottom') r.fail('at', 'must be top or bottom');
    const position = after !== null ? 'after' : before !== null ? 'before' : (at as 'top' | 'bottom');
    const anchor = after ?? before;
    if (anchor !== null) checkRegex(r, position, anchor, regex);
    return { kind: 'add_line', target: target(r), lines: r.strings('lines', true), position, anchor, regex };
  },
  modify_release: (r) => {
    const suffix = r.string('suffix');
    if (!/^[A-Za-z0-9._+~^]*[^0-9][0-9]+$/.test(suffix)) r.fail('suffix', `must end in a number and use only release characters (got ${JSON.stringify(suffix)})`);
    return { kind: 'modify_release', suffix };
  },
  changelog_entry: (r) => {
    const date = r.optionalString('date');
    if (date !== null && (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))) r.fail('date', 'must be a date YYYY-MM-DD');
    const email = r.string('email');
    if (!/^[^\s<>@]+@[^\s<>@]+$/.test(email)) r.fail('email', `is not an e-mail address (got ${JSON.stringify(email)})`);
    return { kind: 'changelog_entry', author: r.string('author'), email, date, lines: r.strings('lines', true) };
  },
  add_files: (r) => {
    const type = r.string('type', 'patch');
    if (type !== 'patch' && type !== 'source') r.fail('type', `must be patch or source (got ${JSON.stringify(type)})`);
    const file = r.relativePath('file', r.string('file'));
    const name = r.relativePath('name', r.string('name', file.split('/').pop() ?? file));
    if (name.includes('/')) r.fail('name', 'must be a plain file name');
    return { kind: 'add_files', type: type as 'patch' | 'source', file, name, number: r.integer('number', null, 0) };
  },
  delete_files: (r) => {
    const files = r.strings('files', true);
    files.forEach((f, i) => r.relativePath(`files[${i}]`, f));
    return { kind: 'delete_files', files };
  },
  run_script: (r) => ({
    kind: 'run_script',
    script: r.relativePath('script', r.string('script')),
    args: r.strings('args', false),
    timeout: r.integer('timeout', 60, 1) ?? 60,
  }),
};

function isMapping(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and validates an autopatch config; `file` names it in errors. */
export function loadAutopatchConfig(text: string, file: string): AutopatchConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) throw new AutopatchConfigError(file, '(document)', `not valid YAML: ${yamlError.message}`);
  const root: unknown = doc.toJS();
  if (!isMapping(root)) throw new AutopatchConfigError(file, '(document)', 'must be a mapping with an actions list');
  const top = new FieldReader(file, '', root);
  const list = root['actions'];
  if (!Array.isArray(list)) throw new AutopatchConfigError(file, 'actions', 'must be a list of actions');
  const actions = list.map((item: unknown, i): AutopatchAction => {
    const path = `actions[${i}]`;
    if (!isMapping(item) || Object.keys(item).length !== 1) {
      throw new AutopatchConfigError(file, path, `must be a mapping with one key, the action kind (${Object.keys(PARSERS).join(', ')})`);
    }
    const [kind, body] = Object.entries(item)[0] as [string, unknown];
    const parse = (PARSERS as Record<string, ((r: FieldReader) => AutopatchAction) | undefined>)[kind];
    if (parse === undefined) throw new AutopatchConfigError(file, `${path}.${kind}`, `unknown action (known: ${Object.keys(PARSERS).join(', ')})`);
    if (!isMapping(body)) throw new AutopatchConfigError(file, `${path}.${kind}`, 'must be a mapping of options');
    const reader = new FieldReader(file, `${path}.${kind}`, body);
    const action = parse(reader);
    reader.done();
    return action;
  });
  for (const key of Object.keys(root)) if (key !== 'actions') top.fail(key, 'unknown field');
  return { file, actions };
}
