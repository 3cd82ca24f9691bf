/**
 * What a repodata record needs of a package, read straight from its headers: the tags primary,
 * filelists and other use, and nothing else (no file digests, owners or times, no scriptlets, no
 * signature packets, only the changelog entries kept). It gives the same {@link RpmRecordSource}
 * as src/rpm's full `packageFromFile` would, and fails on the same damage in what it reads; the
 * per-file and dependency lists it does not decode are still checked to be as long as the others.
 */
import { readDependencyLists, senseToFlag, type DependencyKind } from '../../rpm/dependencies.ts';
import { formatEvr, parseEvr } from '../../rpm/evr.ts';
import { readFileKinds } from '../../rpm/files.ts';
import type { RpmFile } from '../../rpm/package-file.ts';
import type { RpmChangelogEntry } from '../../rpm/package.ts';
import { readPackageFields } from '../../rpm/package-fields.ts';
import { FileFlag, Tag } from '../../rpm/tags.ts';
import type { RawDependency, RpmRecordSource } from '../from-rpm.ts';
import type { RepoFile } from '../model.ts';
import { HeaderFileList } from './file-lines.ts';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** `[E:]V[-R]` as src/rpm parses and formats it back ('' when the dependency is unversioned). */
function rawVersion(evr: string, sense: number): string {
  if (evr === '' || senseToFlag(sense) === null) return '';
  // Without an epoch, parsing and formatting give the string back.
  return evr.indexOf(':') < 0 ? evr : formatEvr(parseEvr(evr));
}

function dependencies(f: RpmFile, kind: DependencyKind): RawDependency[] {
  const { names, flags, versions } = readDependencyLists(f.header, kind);
  const out = new Array<RawDependency>(names.length);
  for (let i = 0; i < names.length; i++) {
    const sense = flags[i] ?? 0;
    out[i] = { name: names[i] as string, sense, raw: rawVersion(versions[i] ?? '', sense) };
  }
  return out;
}

function files(f: RpmFile): RepoFile[] {
  const { paths, modes, flags } = readFileKinds(f.header);
  const out = new Array<RepoFile>(paths.length);
  for (let i = 0; i < paths.length; i++) {
    const type = ((modes[i] ?? 0) & S_IFMT) === S_IFDIR ? 'dir' : ((flags[i] ?? 0) & FileFlag.GHOST) !== 0 ? 'ghost' : 'file';
    out[i] = { path: paths[i] as string, type };
  }
  return out;
}

/** The newest `limit` entries (all when negative), newest first. */
function changelog(f: RpmFile, limit: number): RpmChangelogEntry[] {
  const h = f.header;
  const n = Math.min(h.count(Tag.CHANGELOGTIME), h.count(Tag.CHANGELOGNAME), h.count(Tag.CHANGELOGTEXT));
  const take = limit < 0 ? n : Math.min(n, limit);
  const times = h.numbersPrefix(Tag.CHANGELOGTIME, take);
  const names = h.stringsPrefix(Tag.CHANGELOGNAME, take);
  const texts = h.stringsPrefix(Tag.CHANGELOGTEXT, take);
  const out = new Array<RpmChangelogEntry>(take);
  for (let i = 0; i < take; i++) out[i] = { time: times[i] ?? 0, author: names[i] ?? '', text: texts[i] ?? '' };
  return out;
}

/**
 * The record source of a package whose framing was read into `f`.
 * @param changelogLimit - newest changelog entries kept (-1: all).
 * @throws RpmFormatError when a tag it reads is malformed.
 */
export function recordSourceFromHeaders(f: RpmFile, changelogLimit: number): RpmRecordSource {
  return recordSource(f, changelogLimit, null);
}

/**
 * The record source of a package whose framing was read into `f`, and its file list as bytes
 * when they can be written as they are (then the source's `files` is empty and `owns` answers
 * from that list; see file-lines.ts).
 */
export function recordSourceAndFileList(f: RpmFile, changelogLimit: number): { source: RpmRecordSource; fileList: HeaderFileList | null } {
  const fileList = HeaderFileList.of(f.header);
  return { source: recordSource(f, changelogLimit, fileList), fileList };
}

function recordSource(f: RpmFile, changelogLimit: number, fileList: HeaderFileList | null): RpmRecordSource {
  const p = readPackageFields(f);
  readDependencyLists(f.header, 'orderwithrequires'); // not in repodata, but checked as src/rpm checks it
  // Every field named, not `...p`: V8 builds an object spread into a literal this large on a slow
  // path (~15 µs, as much as reading all of the package's tags).
  return {
    name: p.name,
    epoch: p.epoch,
    version: p.version,
    release: p.release,
    arch: p.arch,
    summary: p.summary,
    description: p.description,
    license: p.license,
    url: p.url,
    vendor: p.vendor,
    packager: p.packager,
    group: p.group,
    buildhost: p.buildhost,
    buildtime: p.buildtime,
    sourcerpm: p.sourcerpm,
    installedSize: p.installedSize,
    archiveSize: p.archiveSize,
    headerRange: [f.headerStart, f.payloadStart],
    provides: dependencies(f, 'provides'),
    requires: dependencies(f, 'requires'),
    conflicts: dependencies(f, 'conflicts'),
    obsoletes: dependencies(f, 'obsoletes'),
    suggests: dependencies(f, 'suggests'),
    enhances: dependencies(f, 'enhances'),
    recommends: dependencies(f, 'recommends'),
    supplements: dependencies(f, 'supplements'),
    files: fileList ? [] : files(f),
    owns: fileList ? (path: string) => fileList.has(path) : undefined,
    changelog: changelog(f, changelogLimit),
  };
}
