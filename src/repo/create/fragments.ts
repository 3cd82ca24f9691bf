/**
 * A package's rendered metadata: its `<package>` elements for primary.xml, filelists.xml and
 * other.xml, UTF-8 encoded back to back in one buffer. Rendering once and keeping the bytes lets a
 * re-publish write unchanged packages without re-rendering (or even decoding) them, and lets
 * worker threads hand results to the main thread without copying (the buffer is transferred).
 *
 * Terminology:
 * - fragment: one package's element in one of the three files.
 */
import type { RepoPackage } from '../model.ts';
import { filelistsPackage } from '../render/filelists.ts';
import { otherPackage } from '../render/other.ts';
import { primaryPackage } from '../render/primary.ts';
import type { FoundPackage } from './scan.ts';

/** Bump when the rendering changes: cached fragments of another version are rendered again. */
export const RENDER_VERSION = 1;

export interface PackageFragments {
  found: FoundPackage;
  pkgId: string;
  /** primary, filelists and other fragments, concatenated. */
  data: Uint8Array;
  /** Byte lengths of the three fragments. */
  lengths: [number, number, number];
}

/** Renders the three fragments of `pkg`. */
export function renderFragments(found: FoundPackage, pkg: RepoPackage): PackageFragments {
  const p = Buffer.from(primaryPackage(pkg), 'utf8');
  const f = Buffer.from(filelistsPackage(pkg), 'utf8');
  const o = Buffer.from(otherPackage(pkg), 'utf8');
  const data = new Uint8Array(p.length + f.length + o.length);
  data.set(p, 0);
  data.set(f, p.length);
  data.set(o, p.length + f.length);
  return { found, pkgId: pkg.pkgId, data, lengths: [p.length, f.length, o.length] };
}

export type FragmentKind = 0 | 1 | 2;

/** The bytes of one fragment kind (0 primary, 1 filelists, 2 other) of a package. */
export function fragment(pf: PackageFragments, kind: FragmentKind): Uint8Array {
  const [p, f, o] = pf.lengths;
  const start = kind === 0 ? 0 : kind === 1 ? p : p + f;
  const len = kind === 0 ? p : kind === 1 ? f : o;
  return pf.data.subarray(start, start + len);
}
