/**
 * Which arches one source package is built for on a platform, from what its SRPM says
 * (BuildArch, ExcludeArch, ExclusiveArch) and the platform's arches. The master calls
 * {@link targetArches} when an SRPM task completes, to create one binary task per arch.
 *
 * Rules (Koji's, simplified):
 * - `BuildArch: noarch` → built once, as `noarch` (unless ExcludeArch names noarch, or
 *   ExclusiveArch names neither noarch nor any platform arch).
 * - otherwise every platform arch except `noarch` and `src`; ExclusiveArch (when present) keeps
 *   only the arches it names; ExcludeArch removes those it names; a BuildArch list other than
 *   noarch keeps only the arches it names.
 * - The order is the platform's. An empty result means the package builds nowhere on this
 *   platform: the build should fail with that reason.
 *
 * Pure: reading the SRPM is {@link srpmArchInfo}'s job (header only, no payload).
 */
import { readRpmFileSync } from '../rpm/index.ts';
import { Tag } from '../rpm/tags.ts';

/** The arch-related tags of a source package. */
export interface SrpmArchInfo {
  /** BUILDARCHS: the main package's `BuildArch` (`['noarch']` for noarch packages). */
  buildArchs: string[];
  /** EXCLUDEARCH. */
  excludeArch: string[];
  /** EXCLUSIVEARCH. */
  exclusiveArch: string[];
}

/** Reads BuildArch, ExcludeArch and ExclusiveArch from the SRPM at `path`. @throws RpmFormatError */
export function srpmArchInfo(path: string): SrpmArchInfo {
  const h = readRpmFileSync(path).header;
  return {
    buildArchs: h.strings(Tag.BUILDARCHS),
    excludeArch: h.strings(Tag.EXCLUDEARCH),
    exclusiveArch: h.strings(Tag.EXCLUSIVEARCH),
  };
}

/** The arches to build the SRPM described by `info` for, on a platform with `platformArches`. */
export function targetArches(info: SrpmArchInfo, platformArches: readonly string[]): string[] {
  const excluded = new Set(info.excludeArch);
  const exclusive = new Set(info.exclusiveArch);
  const binaryArches = platformArches.filter((a) => a !== 'noarch' && a !== 'src');
  if (info.buildArchs.length > 0 && info.buildArchs.every((a) => a === 'noarch')) {
    if (excluded.has('noarch')) return [];
    if (exclusive.size > 0 && !exclusive.has('noarch') && !binaryArches.some((a) => exclusive.has(a))) return [];
    return ['noarch'];
  }
  const named = new Set(info.buildArchs.filter((a) => a !== 'noarch'));
  return [...new Set(binaryArches)].filter(
    (a) => (exclusive.size === 0 || exclusive.has(a)) && !excluded.has(a) && (named.size === 0 || named.has(a)),
  );
}
