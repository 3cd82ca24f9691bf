/**
 * `<rpm:entry>` elements (dependencies in primary.xml) and `<version>` elements (the EVR of a
 * package in every package file), shared by the metadata parsers.
 *
 * Terminology:
 * - EVR: epoch, version, release; a package without an epoch has epoch "0".
 * - flags: the comparison (EQ, LT, LE, GT, GE); absent for an unversioned dependency.
 */
import type { RepoDepFlag, RepoDependency } from '../model.ts';

type Fail = (message: string) => never;

const FLAGS: ReadonlySet<string> = new Set<RepoDepFlag>(['EQ', 'LT', 'LE', 'GT', 'GE']);

/** A dependency from the attributes of `<rpm:entry>`. */
export function parseDependency(attrs: Record<string, string>, fail: Fail): RepoDependency {
  const name = attrs.name;
  if (name === undefined || name === '') return fail('<rpm:entry> without a name');
  const pre = attrs.pre === '1' || attrs.pre === 'true';
  const flags = attrs.flags;
  if (flags === undefined || flags === '') return { name, flags: null, epoch: null, version: null, release: null, pre };
  if (!FLAGS.has(flags)) return fail(`<rpm:entry name="${name}"> has unknown flags ${JSON.stringify(flags)}`);
  return {
    name,
    flags: flags as RepoDepFlag,
    epoch: attrs.epoch ?? null,
    version: attrs.ver ?? null,
    release: attrs.rel ?? null,
    pre,
  };
}

export interface Evr {
  epoch: string;
  version: string;
  release: string;
}

/** The EVR of `<version epoch= ver= rel=/>`; a missing or empty epoch is "0". */
export function parseEvr(attrs: Record<string, string>, fail: Fail): Evr {
  const version = attrs.ver;
  if (version === undefined || version === '') return fail('<version> without a ver attribute');
  const epoch = attrs.epoch;
  return { epoch: epoch === undefined || epoch === '' ? '0' : epoch, version, release: attrs.rel ?? '' };
}
