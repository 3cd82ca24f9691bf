/**
 * Where a released package goes, from the platform's `releases` settings (pure):
 *
 * - a binary package goes to the first release repository whose `packages` globs match its name,
 *   else to the default repository; noarch packages to every arch of it;
 * - a -debuginfo package goes to the debuginfo twin (ARCH/debug) of the repository its main
 *   package goes to, a -debugsource package to that of its source package's name;
 * - an SRPM goes to the source twin (Source) of every repository its binary packages go to.
 *
 * Terminology:
 * - channel: one published directory of a release repository: `ARCH`, `ARCH/debug` or `Source`;
 *   its path is `REPO/CHANNEL` (BaseOS/x86_64, BaseOS/x86_64/debug, BaseOS/Source).
 */
import { buildArches, type Platform, type PlatformReleaseRepository, type PlatformReleases } from '../platforms/types.ts';
import type { PackageKind } from './schema.ts';

export interface Placement {
  /** Release repositories (names); empty when none takes the package. */
  repos: string[];
  reason: string;
}

/** A glob of package names as a regular expression (`*`, `?`, `[…]`/`[!…]`; the rest literal). */
export function globRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, end);
        const negated = body.startsWith('!');
        out += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\^]/g, '\\$&')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\/-]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The kind of a package from its name and arch. */
export function packageKind(name: string, arch: string): PackageKind {
  if (arch === 'src' || arch === 'nosrc') return 'source';
  return name.endsWith('-debuginfo') || name.endsWith('-debugsource') ? 'debuginfo' : 'binary';
}

/** The repository a binary package NAME goes to by the rules. */
export function placeByName(releases: PlatformReleases, name: string): Placement {
  for (const repo of releases.repositories) {
    const glob = repo.packages?.find((g) => globRegExp(g).test(name));
    if (glob !== undefined) return { repos: [repo.name], reason: glob === name ? `listed in ${repo.name}` : `matches "${glob}" of ${repo.name}` };
  }
  const fallback = releases.repositories.find((r) => r.default);
  if (fallback) return { repos: [fallback.name], reason: `default repository ${fallback.name}` };
  return { repos: [], reason: `no release repository takes ${name}: list it in one's packages, or make one the default` };
}

/** Where a -debuginfo/-debugsource package goes: with its main package (`mainRepos`), if that repository has a debuginfo twin. */
export function placeDebuginfo(releases: PlatformReleases, name: string, main: string, mainRepos: readonly string[]): Placement {
  if (mainRepos.length === 0) return { repos: [], reason: `its main package ${main} goes to no release repository` };
  const without = mainRepos.filter((r) => releases.repositories.find((x) => x.name === r)?.debuginfo === false);
  const repos = mainRepos.filter((r) => !without.includes(r));
  if (repos.length === 0) return { repos: [], reason: `${mainRepos.join(', ')} has no debuginfo twin (debuginfo: false), so ${name} has nowhere to go` };
  return { repos, reason: `debuginfo twin of ${repos.join(', ')} (with ${main})` };
}

/** Where an SRPM goes: the source twins of the repositories its binary packages go to. */
export function placeSource(releases: PlatformReleases, name: string, binaryRepos: readonly string[]): Placement {
  const withSource = [...new Set(binaryRepos)].filter((r) => releases.repositories.find((x) => x.name === r)?.source !== false);
  if (binaryRepos.length === 0) return { repos: [], reason: `none of ${name}'s binary packages goes to a release repository` };
  if (withSource.length === 0) return { repos: [], reason: `${[...new Set(binaryRepos)].join(', ')} keeps no sources (source: false)` };
  return { repos: withSource, reason: `source of ${name}'s packages in ${withSource.join(', ')}` };
}

/** The main package a -debuginfo/-debugsource package belongs with (`foo-libs-debuginfo` → foo-libs; `foo-debugsource` → the SRPM's name). */
export function debugMain(name: string, sourceName: string): string {
  if (name.endsWith('-debugsource')) return sourceName;
  return name.slice(0, -'-debuginfo'.length);
}

/** The real arches of a release repository. */
export function repoArches(platform: Pick<Platform, 'arches'>, repo: PlatformReleaseRepository): string[] {
  return repo.arches ?? buildArches(platform);
}

/**
 * The channels of `repos` a package of `kind` and `arch` goes to; an arch a repository does not
 * have is reported in `missing` (`REPO/ARCH`).
 */
export function channelsFor(platform: Pick<Platform, 'arches' | 'releases'>, repos: readonly string[], kind: PackageKind, arch: string): { channels: { repo: string; channel: string }[]; missing: string[] } {
  const channels: { repo: string; channel: string }[] = [];
  const missing: string[] = [];
  for (const name of repos) {
    const repo = platform.releases?.repositories.find((r) => r.name === name);
    if (!repo) {
      missing.push(name);
      continue;
    }
    if (kind === 'source') {
      channels.push({ repo: name, channel: 'Source' });
      continue;
    }
    const arches = repoArches(platform, repo);
    const targets = arch === 'noarch' ? arches : arches.includes(arch) ? [arch] : [];
    if (targets.length === 0) missing.push(`${name}/${arch}`);
    for (const a of targets) channels.push({ repo: name, channel: kind === 'debuginfo' ? `${a}/debug` : a });
  }
  return { channels, missing };
}

/** Every channel of a platform's release repositories. */
export function allChannels(platform: Pick<Platform, 'arches' | 'releases'>): { repo: string; channel: string }[] {
  const out: { repo: string; channel: string }[] = [];
  for (const repo of platform.releases?.repositories ?? []) {
    for (const a of repoArches(platform, repo)) {
      out.push({ repo: repo.name, channel: a });
      if (repo.debuginfo !== false) out.push({ repo: repo.name, channel: `${a}/debug` });
    }
    if (repo.source !== false) out.push({ repo: repo.name, channel: 'Source' });
  }
  return out;
}
