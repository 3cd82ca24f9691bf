/**
 * NEVRA strings (`name-[epoch:]version-release.arch`), as users name the packages of an
 * advisory and dnf prints them, and the source package a binary package's SOURCERPM names.
 */
import { ERRATA_LIMITS } from './types.ts';

export interface Nevra {
  name: string;
  /** null: none (an explicit `0:` is none too). */
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
}

const NAME = /^[A-Za-z0-9_+.~^-]+$/;
const VERSION = /^[A-Za-z0-9_+.~^]+$/;
const ARCH = /^[A-Za-z0-9_]+$/;

/** Why `text` is not a NEVRA, or null. */
function problem(text: string, n: Partial<Nevra>): string | null {
  if (text.length > ERRATA_LIMITS.nevra) return `is longer than ${ERRATA_LIMITS.nevra} characters`;
  if (!n.name || !n.version || !n.release || !n.arch) return 'is not name-[epoch:]version-release.arch';
  if (!NAME.test(n.name) || n.name.startsWith('-')) return `has a package name with characters rpm does not use ("${n.name}")`;
  if (!VERSION.test(n.version) || !VERSION.test(n.release)) return 'has a version or release with characters rpm does not use';
  if (!ARCH.test(n.arch)) return `has an architecture with characters rpm does not use ("${n.arch}")`;
  return null;
}

/**
 * Parses `foo-2:1.0-1.el9.x86_64`. Returns the parts, or a problem (`is not name-[epoch:]version-release.arch`).
 */
export function parseNevra(text: string): Nevra | { problem: string } {
  const dot = text.lastIndexOf('.');
  const nevr = dot > 0 ? text.slice(0, dot) : '';
  const relDash = nevr.lastIndexOf('-');
  const verDash = relDash > 0 ? nevr.lastIndexOf('-', relDash - 1) : -1;
  let evr = verDash > 0 ? nevr.slice(verDash + 1, relDash) : '';
  let epoch: number | null = null;
  const e = /^(\d{1,9}):(.*)$/.exec(evr);
  if (e) {
    epoch = Number(e[1]) === 0 ? null : Number(e[1]);
    evr = e[2] ?? '';
  }
  const n: Nevra = { name: verDash > 0 ? nevr.slice(0, verDash) : '', epoch, version: evr, release: relDash > 0 ? nevr.slice(relDash + 1) : '', arch: dot > 0 ? text.slice(dot + 1) : '' };
  const why = problem(text, n);
  return why === null ? n : { problem: why };
}

/** `name-[epoch:]version-release.arch`, the epoch left out when none. */
export function formatNevra(n: Nevra): string {
  return `${n.name}-${n.epoch ? `${n.epoch}:` : ''}${n.version}-${n.release}.${n.arch}`;
}

/** `[epoch:]version-release`, the epoch left out when none. */
export function formatEvr(epoch: number | null, version: string, release: string): string {
  return `${epoch ? `${epoch}:` : ''}${version}-${release}`;
}

/**
 * The source package (name, version, release) of a package: from its SOURCERPM file name
 * (`foo-1.0-1.el9.src.rpm`), or the package itself for an SRPM or when it names none.
 */
export function sourceOf(p: Nevra, sourcerpm: string | null): { name: string; version: string; release: string } {
  const nvr = sourcerpm?.replace(/\.(no)?src\.rpm$/, '') ?? '';
  const rel = nvr.lastIndexOf('-');
  const ver = rel > 0 ? nvr.lastIndexOf('-', rel - 1) : -1;
  if (p.arch === 'src' || ver <= 0 || nvr === sourcerpm) return { name: p.name, version: p.version, release: p.release };
  return { name: nvr.slice(0, ver), version: nvr.slice(ver + 1, rel), release: nvr.slice(rel + 1) };
}
