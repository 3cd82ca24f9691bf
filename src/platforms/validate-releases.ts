/**
 * Checking a platform's `releases` settings: its release repositories (names, arches, package
 * globs, at most one default), retention, grace, the platform repositories released packages may
 * depend on, and the metadata compression.
 */
import { archList, mapping, onlyFields, required, text, type Fail } from './field-checks.ts';
import type { Arch, Platform, PlatformReleaseRepository, PlatformReleases } from './types.ts';

const RELEASES_FIELDS = ['repositories', 'retention', 'graceSeconds', 'dependencies', 'compression'];
const RELEASE_REPO_FIELDS = ['name', 'description', 'arches', 'packages', 'default', 'debuginfo', 'source', 'promoteTo', 'promoteAfterDays'];
/** A release repository's name: it is a URL path segment and a dnf repository id part. */
const RELEASE_REPO_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
/** Names that would collide with the paths of a release repository's directories. */
const RESERVED = ['Source', 'debug', 'repodata', 'Packages'];
/** A package name glob: what package names hold, plus `*`, `?` and `[…]`. */
const PACKAGE_GLOB = /^[A-Za-z0-9_.+*?[\]!-]{1,128}$/;

export const RELEASE_LIMITS = { repositories: 32, packages: 2000, retention: 1000 } as const;

function flag(v: unknown, field: string, fail: Fail, byDefault: boolean): boolean {
  if (v === undefined || v === null) return byDefault;
  if (v !== true && v !== false && v !== 'true' && v !== 'false') fail(field, 'must be true or false');
  return v === true || v === 'true';
}

function wholeNumber(v: unknown, field: string, fail: Fail, min: number, max: number, byDefault: number): number {
  if (v === undefined || v === null) return byDefault;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) fail(field, `must be a whole number from ${min} to ${max}`);
  return n as number;
}

function releaseRepository(item: unknown, at: string, platformArches: Arch[], fail: Fail): PlatformReleaseRepository {
  const m = mapping(item, at, fail);
  onlyFields(m, RELEASE_REPO_FIELDS, `${at}.`, fail);
  const name = text(required(m, 'name', `${at}.`, fail), `${at}.name`, fail);
  if (!RELEASE_REPO_NAME.test(name)) fail(`${at}.name`, `"${name}" must start with a letter and hold only letters, digits, ".", "_" and "-" (at most 64)`);
  if (RESERVED.includes(name)) fail(`${at}.name`, `"${name}" is reserved (${RESERVED.join(', ')})`);
  const repo: PlatformReleaseRepository = { name };
  if (m.description !== undefined && m.description !== null) repo.description = text(m.description, `${at}.description`, fail);
  if (m.arches !== undefined && m.arches !== null) {
    const arches = archList(m.arches, `${at}.arches`, fail);
    arches.forEach((a, j) => {
      if (a === 'noarch') fail(`${at}.arches[${j}]`, 'noarch packages go to every arch of a repository: list real arches');
      if (!platformArches.includes(a)) fail(`${at}.arches[${j}]`, `"${a}" is not one of the platform's arches`);
    });
    repo.arches = arches;
  }
  if (m.packages !== undefined && m.packages !== null) {
    if (!Array.isArray(m.packages)) fail(`${at}.packages`, 'must be a list of package names or globs');
    const list = m.packages as unknown[];
    if (list.length > RELEASE_LIMITS.packages) fail(`${at}.packages`, `at most ${RELEASE_LIMITS.packages} entries`);
    repo.packages = list.map((g, j) => {
      if (typeof g !== 'string' || !PACKAGE_GLOB.test(g)) fail(`${at}.packages[${j}]`, `${JSON.stringify(g)} is not a package name or glob (letters, digits, _ . + - and * ? [ ])`);
      return g as string;
    });
  }
  if (flag(m.default, `${at}.default`, fail, false)) repo.default = true;
  repo.debuginfo = flag(m.debuginfo, `${at}.debuginfo`, fail, true);
  repo.source = flag(m.source, `${at}.source`, fail, true);
  if (m.promoteTo !== undefined && m.promoteTo !== null) {
    repo.promoteTo = text(m.promoteTo, `${at}.promoteTo`, fail);
    repo.promoteAfterDays = wholeNumber(m.promoteAfterDays, `${at}.promoteAfterDays`, fail, 0, 3650, 7);
  } else if (m.promoteAfterDays !== undefined && m.promoteAfterDays !== null) fail(`${at}.promoteAfterDays`, 'is for a repository with promoteTo');
  return repo;
}

/** Validates `releases` of a platform whose other fields are already checked. */
export function releaseSettings(v: unknown, platform: Pick<Platform, 'arches' | 'repositories'>, fail: Fail): PlatformReleases {
  const m = mapping(v, 'releases', fail);
  onlyFields(m, RELEASES_FIELDS, 'releases.', fail);
  const list = required(m, 'repositories', 'releases.', fail);
  if (!Array.isArray(list) || list.length === 0) fail('releases.repositories', 'must be a non-empty list of release repositories');
  if ((list as unknown[]).length > RELEASE_LIMITS.repositories) fail('releases.repositories', `at most ${RELEASE_LIMITS.repositories} repositories`);
  const repositories: PlatformReleaseRepository[] = [];
  (list as unknown[]).forEach((item, i) => {
    const repo = releaseRepository(item, `releases.repositories[${i}]`, platform.arches, fail);
    if (repositories.some((r) => r.name.toLowerCase() === repo.name.toLowerCase())) fail(`releases.repositories[${i}].name`, `"${repo.name}" is used by another release repository`);
    if (repo.default && repositories.some((r) => r.default)) fail(`releases.repositories[${i}].default`, 'only one release repository may be the default');
    repositories.push(repo);
  });
  repositories.forEach((r, i) => {
    if (r.promoteTo === undefined) return;
    if (r.promoteTo === r.name) fail(`releases.repositories[${i}].promoteTo`, 'a repository is not promoted to itself');
    if (!repositories.some((x) => x.name === r.promoteTo)) fail(`releases.repositories[${i}].promoteTo`, `"${r.promoteTo}" is not one of the release repositories (${repositories.map((x) => x.name).join(', ')})`);
  });
  const dependencies: string[] = [];
  if (m.dependencies !== undefined && m.dependencies !== null) {
    if (!Array.isArray(m.dependencies)) fail('releases.dependencies', "must be a list of the platform's repository names");
    (m.dependencies as unknown[]).forEach((d, i) => {
      if (typeof d !== 'string' || !platform.repositories.some((r) => r.name === d)) {
        fail(`releases.dependencies[${i}]`, `${JSON.stringify(d)} is not one of the platform's repositories (${platform.repositories.map((r) => r.name).join(', ') || 'none'})`);
      }
      dependencies.push(d as string);
    });
  }
  const compression = m.compression ?? 'zstd';
  if (compression !== 'zstd' && compression !== 'gz') fail('releases.compression', 'must be zstd or gz');
  return {
    repositories,
    retention: wholeNumber(m.retention, 'releases.retention', fail, 1, RELEASE_LIMITS.retention, 5),
    graceSeconds: wholeNumber(m.graceSeconds, 'releases.graceSeconds', fail, 0, 7 * 86_400, 3600),
    dependencies,
    compression: compression as 'zstd' | 'gz',
  };
}
