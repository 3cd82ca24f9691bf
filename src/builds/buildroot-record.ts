/**
 * The build root a node recorded for an srpm or rpm task (its result's `buildroot`): the root
 * cache key, every package installed in the root with its sha256, and the repositories with the
 * checksum of the metadata they were installed from — Koji's buildroot listing, and the lock
 * file a rebuild with the same package set installs from. A node is not trusted to be sane: the
 * record is checked and bounded, and dropped when malformed.
 */

/** A task's build root, as `build show --json` lists it. */
export interface BuildrootView {
  key: string;
  packages: { nevra: string; sha256: string | null }[];
  repos: { url: string; checksum: string }[];
}

const MAX_PACKAGES = 50_000;
const MAX_REPOS = 100;
const HEX64 = /^[0-9a-f]{64}$/;
const NEVRA = /^[A-Za-z0-9_.+^~:-]{3,512}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The record in a task's result (JSON text), or null when there is none or it is malformed. */
export function parseBuildroot(result: string | null): BuildrootView | null {
  let r: unknown;
  try {
    r = result === null ? null : JSON.parse(result);
  } catch {
    return null;
  }
  const b = isRecord(r) ? r.buildroot : undefined;
  if (!isRecord(b) || typeof b.key !== 'string' || !HEX64.test(b.key)) return null;
  if (!Array.isArray(b.packages) || b.packages.length > MAX_PACKAGES || !Array.isArray(b.repos) || b.repos.length > MAX_REPOS) return null;
  const packages: BuildrootView['packages'] = [];
  for (const p of b.packages) {
    if (!isRecord(p) || typeof p.nevra !== 'string' || !NEVRA.test(p.nevra)) return null;
    if (p.sha256 !== null && (typeof p.sha256 !== 'string' || !HEX64.test(p.sha256))) return null;
    packages.push({ nevra: p.nevra, sha256: p.sha256 });
  }
  const repos: BuildrootView['repos'] = [];
  for (const x of b.repos) {
    if (!isRecord(x) || typeof x.url !== 'string' || x.url.length > 2048 || typeof x.checksum !== 'string' || !HEX64.test(x.checksum)) return null;
    repos.push({ url: x.url, checksum: x.checksum });
  }
  return { key: b.key, packages, repos };
}
