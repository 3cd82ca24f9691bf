/**
 * Builders for the closure unit tests: repository packages and dependency entries from short
 * texts, shaped as createrepo_c writes them (a versioned entry without an epoch gets epoch "0").
 *
 * Terminology:
 * - entry text: `name`, `name OP [epoch:]version[-release]` with OP one of < <= = >= >, or a rich
 *   dependency `(…)` (kept whole, unversioned, as repodata carries it).
 */
import type { RepoDepFlag, RepoDependency, RepoFile, RepoPackage } from '../model.ts';
import { emptyRepoPackage } from '../read/primary.ts';

const OPS: Record<string, RepoDepFlag> = { '<': 'LT', '<=': 'LE', '=': 'EQ', '>=': 'GE', '>': 'GT' };

/** A repodata dependency entry from its text (see the module comment). */
export function entry(text: string): RepoDependency {
  if (text.startsWith('(')) return { name: text, flags: null, epoch: null, version: null, release: null, pre: false };
  const [name = '', op, evr] = text.split(' ');
  if (op === undefined || evr === undefined) return { name, flags: null, epoch: null, version: null, release: null, pre: false };
  const flags = OPS[op];
  if (flags === undefined) throw new Error(`bad operator in ${text}`);
  const colon = evr.indexOf(':');
  const epoch = colon >= 0 ? evr.slice(0, colon) : '0';
  const rest = colon >= 0 ? evr.slice(colon + 1) : evr;
  const dash = rest.indexOf('-');
  return {
    name,
    flags,
    epoch,
    version: dash >= 0 ? rest.slice(0, dash) : rest,
    release: dash >= 0 ? rest.slice(dash + 1) : null,
    pre: false,
  };
}

export interface PackageOptions {
  epoch?: string;
  version?: string;
  release?: string;
  arch?: string;
  provides?: string[];
  requires?: string[];
  /** Paths; a trailing `/` makes a directory entry, a leading `!` a ghost. */
  files?: string[];
}

function file(spec: string): RepoFile {
  if (spec.startsWith('!')) return { path: spec.slice(1), type: 'ghost' };
  if (spec.endsWith('/') && spec.length > 1) return { path: spec.slice(0, -1), type: 'dir' };
  return { path: spec, type: 'file' };
}

/** A repository package with the given name and dependencies; everything else is filler. */
export function pkg(name: string, o: PackageOptions = {}): RepoPackage {
  return {
    ...emptyRepoPackage(),
    pkgId: `${name}-id`,
    name,
    arch: o.arch ?? 'x86_64',
    epoch: o.epoch ?? '0',
    version: o.version ?? '1.0',
    release: o.release ?? '1',
    location: { href: `${name}.rpm` },
    license: 'MIT',
    sourcerpm: o.arch === 'src' ? '' : `${name}-1.0-1.src.rpm`,
    provides: (o.provides ?? []).map(entry),
    requires: (o.requires ?? []).map(entry),
    files: (o.files ?? []).map(file),
  };
}
