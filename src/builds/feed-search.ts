/**
 * What the builds feed's search box and package filters mean, as values the queries compare
 * (src/builds/feed-filters.ts):
 * - `q`: a build id (`123` or `#123`), or the start of a package's `name-[epoch:]version-release.arch`
 *   (or a file name `….rpm`), any case: `bash`, `bash-5.1`, `BASH-5.1.8-6.el9.X86_64`,
 *   `bash-0:5.1.8-6.el9.x86_64.rpm`. A number is both (`389` finds build 389 and 389-ds-base).
 * - `nevra`: one package exactly, `name-[epoch:]version-release.arch`, any case; without an
 *   epoch it matches the package whatever its epoch, with one (0 is none) only that epoch.
 * Packages are compared by their search key (artifact_packages.key: `name-version-release.arch`,
 * ASCII letters in lower case), the epoch beside it.
 */
import { UsageError } from '../errors.ts';
import { asciiLower } from '../scheduler/index.ts';

/** A package key to look for: a prefix or the whole key, and the epoch when one was given. */
export interface PackageMatch {
  /** Lower-case `name-version-release.arch`, or the start of one. */
  key: string;
  /** true: the whole key (a NEVRA); false: a prefix. */
  whole: boolean;
  /** The epoch asked for (0 for none), or null: any. */
  epoch: number | null;
}

/** What a search (`q`) looks for. */
export interface Search {
  /** A build id, when the text is one. */
  buildId: number | null;
  /** Packages (built ones, and build items by name) whose key starts with this; null: none. */
  packages: PackageMatch | null;
}

const MAX_ID = 2_147_483_647;

/** `text` without `.rpm` at its end, the epoch taken out: [key, epoch], or null when the epoch is malformed. */
function splitEpoch(text: string): [string, number | null] | null {
  const plain = text.replace(/\.rpm$/i, '');
  const colon = plain.indexOf(':');
  if (colon < 0) return [asciiLower(plain), null];
  const left = plain.slice(0, colon);
  const dash = left.lastIndexOf('-');
  const epoch = left.slice(dash + 1);
  if (dash <= 0 || !/^\d{1,9}$/.test(epoch) || plain.indexOf(':', colon + 1) >= 0) return null;
  return [asciiLower(`${left.slice(0, dash + 1)}${plain.slice(colon + 1)}`), Number(epoch)];
}

/** Reads the search box's text (already checked against the query schema: NEVRA characters, `#`, spaces). */
export function parseSearch(q: string): Search {
  const text = q.trim();
  const id = /^#?(\d{1,10})$/.exec(text);
  const buildId = id && Number(id[1]) >= 1 && Number(id[1]) <= MAX_ID ? Number(id[1]) : null;
  if (text === '' || text.startsWith('#')) return { buildId, packages: null };
  const split = splitEpoch(text);
  return { buildId, packages: split ? { key: split[0], whole: false, epoch: split[1] } : null };
}

/**
 * Reads the `nevra` filter.
 * @throws UsageError (400) when it is not `name-[epoch:]version-release.arch`.
 */
export function parseNevraFilter(nevra: string): PackageMatch {
  const split = splitEpoch(nevra.trim());
  if (!split || !/^[^-]+(-[^-]+)*-[^-]+-[^-]+\.[^.-]+$/.test(split[0])) throw new UsageError(`nevra "${nevra}" is not name-[epoch:]version-release.arch`);
  return { key: split[0], whole: true, epoch: split[1] };
}

/** The first string after every string starting with `prefix` (its last character's successor). */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return `${prefix.slice(0, -1)}${String.fromCharCode(last + 1)}`;
}
