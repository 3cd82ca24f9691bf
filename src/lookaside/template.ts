/**
 * Lookaside URL templates: where a source file can be downloaded, given its package name, file
 * name and hash. A platform lists them (`lookaside: [{url: …}]`); nodes try them in order.
 *
 * Placeholders: `{name}` (the package), `{filename}`, `{hashtype}` (lower case: sha512),
 * `{HASHTYPE}` (upper case: SHA512) and `{hash}` (hex). Values are URL-encoded. Fedora's cache is
 * `https://src.fedoraproject.org/repo/pkgs/{name}/{filename}/{hashtype}/{hash}/{filename}`;
 * CentOS Stream's `https://sources.stream.centos.org/sources/rpms/{name}/{filename}/{hashtype}/{hash}/{filename}`.
 */
import type { HashType } from './hashes.ts';

export const PLACEHOLDERS = ['name', 'filename', 'hashtype', 'HASHTYPE', 'hash'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/** What a template is filled in with. */
export interface SourceKey {
  name: string;
  filename: string;
  hashtype: HashType;
  hash: string;
}

/** Why `template` is not a usable lookaside URL template, or null when it is. */
export function templateProblem(template: string): string | null {
  if (!/^https?:\/\/[^\s/]+\/?\S*$/.test(template)) return `"${template}" must be an http:// or https:// URL template`;
  const unknown = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '').filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0) return `unknown placeholder {${unknown[0] ?? ''}} (expected ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`;
  if (/[{}]/.test(template.replace(/\{[A-Za-z]+\}/g, ''))) return `unbalanced { or } in "${template}"`;
  if (!template.includes('{hash}')) return 'must contain {hash}: a lookaside is looked up by hash';
  return null;
}

/** The URL of `key` in the lookaside `template` (checked with {@link templateProblem} first). */
export function expandTemplate(template: string, key: SourceKey): string {
  const values: Record<Placeholder, string> = { name: key.name, filename: key.filename, hashtype: key.hashtype, HASHTYPE: key.hashtype.toUpperCase(), hash: key.hash };
  return template.replace(/\{([A-Za-z]+)\}/g, (all, p: string) => (p in values ? encodeURIComponent(values[p as Placeholder]) : all));
}
