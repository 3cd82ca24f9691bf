/**
 * Advisories as users write them for `repo create --updateinfo FILE`: a YAML or JSON list of
 * objects with the fields of {@link Advisory} (camelCase, as the API will take them). Required:
 * id, type, title, issued; everything else has a default. Each problem is reported with the file
 * and the advisory it is in; nothing is written when any advisory is wrong.
 *
 * Example (YAML):
 *   - id: ALSA-2026:0001
 *     type: security
 *     severity: Important
 *     title: Important: foo security update
 *     issued: 2026-11-01 00:00:00
 *     references: [{ type: cve, id: CVE-2026-1234, href: https://…, title: CVE-2026-1234 }]
 *     collections:
 *       - short: almalinux-9
 *         name: AlmaLinux 9
 *         packages: [{ name: foo, version: "1.0", release: 2.el9, arch: x86_64, filename: foo-1.0-2.el9.x86_64.rpm }]
 */
import { parse as parseYaml } from 'yaml';
import { RepoCreateError } from './errors.ts';
import type { Advisory, AdvisoryCollection, AdvisoryPackage, AdvisoryReference } from './model.ts';

type Obj = Record<string, unknown>;

const TYPES = ['security', 'bugfix', 'enhancement', 'newpackage'];
const DATE = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$|^\d+$/;

class Fields {
  constructor(
    private readonly o: Obj,
    private readonly where: string,
    private readonly file: string,
  ) {}
  fail(msg: string): never {
    throw new RepoCreateError(`${this.where}: ${msg}`, this.file);
  }
  str(key: string, required = false, fallback = ''): string {
    const v = this.o[key];
    if (v === undefined || v === null) {
      if (required) this.fail(`missing "${key}"`);
      return fallback;
    }
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v === 'string') return v;
    if (v instanceof Date) return v.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
    return this.fail(`"${key}" must be a string`);
  }
  bool(key: string): boolean {
    const v = this.o[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') this.fail(`"${key}" must be true or false`);
    return v;
  }
  list(key: string): Obj[] {
    const v = this.o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null || Array.isArray(x))) this.fail(`"${key}" must be a list of objects`);
    return v as Obj[];
  }
}

function pkgOf(o: Obj, where: string, file: string): AdvisoryPackage {
  const f = new Fields(o, where, file);
  const sum = o.sum as Obj | undefined;
  let parsedSum: AdvisoryPackage['sum'];
  if (sum !== undefined) {
    const s = new Fields(sum, `${where} sum`, file);
    parsedSum = { type: s.str('type', false, 'sha256'), value: s.str('value', true) };
  }
  const p: AdvisoryPackage = {
    name: f.str('name', true),
    epoch: f.str('epoch', false, '0'),
    version: f.str('version', true),
    release: f.str('release', true),
    arch: f.str('arch', true),
    src: f.str('src'),
    filename: f.str('filename'),
  };
  if (parsedSum) p.sum = parsedSum;
  if (f.bool('rebootSuggested')) p.rebootSuggested = true;
  if (p.filename === '') p.filename = `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`;
  return p;
}

function collectionOf(o: Obj, where: string, file: string): AdvisoryCollection {
  const f = new Fields(o, where, file);
  const c: AdvisoryCollection = {
    short: f.str('short'),
    name: f.str('name'),
    packages: f.list('packages').map((p, i) => pkgOf(p, `${where} package ${i + 1}`, file)),
  };
  const m = o.module as Obj | undefined;
  if (m !== undefined) {
    const mf = new Fields(m, `${where} module`, file);
    c.module = { name: mf.str('name', true), stream: mf.str('stream', true), version: mf.str('version', true), context: mf.str('context', true), arch: mf.str('arch', true) };
  }
  return c;
}

function referenceOf(o: Obj, where: string, file: string): AdvisoryReference {
  const f = new Fields(o, where, file);
  const r = { type: f.str('type', false, 'self'), href: f.str('href'), id: f.str('id'), title: f.str('title') };
  if (r.href === '' && r.id === '') f.fail('a reference needs "href" or "id"');
  return r;
}

function advisoryOf(o: Obj, index: number, file: string): Advisory {
  const id = typeof o.id === 'string' ? o.id : `#${index + 1}`;
  const where = `advisory ${id}`;
  const f = new Fields(o, where, file);
  const type = f.str('type', true);
  if (!TYPES.includes(type)) f.fail(`"type" must be one of ${TYPES.join(', ')}, not "${type}"`);
  const issued = f.str('issued', true);
  const updated = f.str('updated', false, issued);
  for (const [k, v] of [['issued', issued], ['updated', updated]] as const) if (!DATE.test(v)) f.fail(`"${k}" must be "YYYY-MM-DD HH:MM:SS", not "${v}"`);
  return {
    id: f.str('id', true),
    type,
    from: f.str('from'),
    status: f.str('status', false, 'final'),
    version: f.str('version', false, '1'),
    title: f.str('title', true),
    severity: f.str('severity'),
    release: f.str('release'),
    rights: f.str('rights'),
    summary: f.str('summary'),
    description: f.str('description'),
    solution: f.str('solution'),
    issued,
    updated,
    rebootSuggested: f.bool('rebootSuggested'),
    references: f.list('references').map((r, i) => referenceOf(r, `${where} reference ${i + 1}`, file)),
    collections: f.list('collections').map((c, i) => collectionOf(c, `${where} collection ${i + 1}`, file)),
  };
}

/** Parses and checks an advisories file (YAML or JSON: JSON is YAML). */
export function parseAdvisories(text: string, file: string): Advisory[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new RepoCreateError(`not valid YAML or JSON: ${(e as Error).message.split('\n')[0] ?? ''}`, file);
  }
  if (!Array.isArray(data)) throw new RepoCreateError('must be a list of advisories', file);
  const out = data.map((o: unknown, i) => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new RepoCreateError(`advisory #${i + 1} must be an object`, file);
    return advisoryOf(o as Obj, i, file);
  });
  const seen = new Set<string>();
  for (const a of out) {
    if (seen.has(a.id)) throw new RepoCreateError(`advisory ${a.id} appears twice`, file);
    seen.add(a.id);
  }
  return out;
}
