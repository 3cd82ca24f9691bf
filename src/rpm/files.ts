/**
 * The file list of a package: paths from DIRNAMES/BASENAMES/DIRINDEXES (or the old
 * OLDFILENAMES), with every per-file attribute. All parallel arrays are checked to be as long as
 * the path list, so a hostile header cannot make us read past them.
 */
import { RpmFormatError } from './errors.ts';
import type { Header } from './header.ts';
import { FileFlag, HashAlgo, Tag } from './tags.ts';

export interface RpmFileEntry {
  path: string;
  /** st_mode: type and permission bits. */
  mode: number;
  size: number;
  /** Hex digest ('' for non-regular files). */
  digest: string;
  flags: number;
  user: string;
  group: string;
  /** Symlink target ('' when not a symlink). */
  linkto: string;
  mtime: number;
  /** Inode number inside the package: files sharing one (and device) are hard links. */
  inode: number;
  device: number;
  rdev: number;
  lang: string;
  verifyFlags: number;
  color: number;
  /** Convenience views of `flags`. */
  config: boolean;
  doc: boolean;
  ghost: boolean;
  license: boolean;
}

/** Full paths of the files of a package, in header order. */
export function readFilePaths(h: Header): string[] {
  const basenames = h.strings(Tag.BASENAMES);
  if (basenames.length === 0) return h.strings(Tag.OLDFILENAMES);
  const dirnames = h.strings(Tag.DIRNAMES);
  const dirindexes = h.numbers(Tag.DIRINDEXES);
  if (dirindexes.length !== basenames.length) {
    throw new RpmFormatError(`${basenames.length} file names but ${dirindexes.length} directory indexes`, h.fileOffset);
  }
  return basenames.map((b, i) => {
    const d = dirnames[dirindexes[i] ?? -1];
    if (d === undefined) throw new RpmFormatError(`file ${b}: directory index ${dirindexes[i]} out of range`, h.fileOffset);
    return d + b;
  });
}

/** The digest algorithm of FILEDIGESTS (MD5 when the tag is absent, as rpm assumes). */
export function fileDigestAlgo(h: Header): number {
  return h.number(Tag.FILEDIGESTALGO) ?? HashAlgo.MD5;
}

/** Per-file tags holding one integer per file, and one string per file (checked by both readers below). */
const FILE_NUMBER_TAGS = [Tag.FILEMODES, Tag.FILEFLAGS, Tag.FILEMTIMES, Tag.FILEINODES, Tag.FILEDEVICES, Tag.FILERDEVS, Tag.FILEVERIFYFLAGS, Tag.FILECOLORS];
const FILE_STRING_TAGS = [Tag.FILEDIGESTS, Tag.FILEUSERNAME, Tag.FILEGROUPNAME, Tag.FILELINKTOS, Tag.FILELANGS];

function checkFileCount(h: Header, tag: number, got: number, n: number): void {
  if (got !== 0 && got !== n) throw new RpmFormatError(`tag ${tag}: ${got} values for ${n} files`, h.fileOffset);
}

/**
 * What repository metadata needs of the file list: paths, modes and flags. Every per-file tag is
 * checked to hold one value per file, as {@link readFiles} checks it, without decoding the others.
 */
export function readFileKinds(h: Header): { paths: string[]; modes: number[]; flags: number[] } {
  const paths = readFilePaths(h);
  const n = paths.length;
  if (n === 0) return { paths, modes: [], flags: [] };
  checkPerFileTags(h, n);
  return { paths, modes: h.numbers(Tag.FILEMODES), flags: h.numbers(Tag.FILEFLAGS) };
}

/** Checks that every per-file tag present holds one value for each of the `n` files. */
export function checkPerFileTags(h: Header, n: number): void {
  const sizes = h.has(Tag.LONGFILESIZES) ? Tag.LONGFILESIZES : Tag.FILESIZES;
  checkFileCount(h, sizes, h.count(sizes), n);
  for (const tag of FILE_NUMBER_TAGS) checkFileCount(h, tag, h.count(tag), n);
  for (const tag of FILE_STRING_TAGS) checkFileCount(h, tag, h.count(tag), n);
}

/** Reads the whole file list. */
export function readFiles(h: Header): RpmFileEntry[] {
  const paths = readFilePaths(h);
  const n = paths.length;
  if (n === 0) return [];
  const nums = (tag: number): number[] => {
    const v = h.numbers(tag);
    checkFileCount(h, tag, v.length, n);
    return v;
  };
  const strs = (tag: number): string[] => {
    const v = h.strings(tag);
    checkFileCount(h, tag, v.length, n);
    return v;
  };
  const sizes = h.has(Tag.LONGFILESIZES) ? nums(Tag.LONGFILESIZES) : nums(Tag.FILESIZES);
  const [modes, flags, mtimes, inodes, devices, rdevs, verify, colors] = FILE_NUMBER_TAGS.map(nums) as [number[], number[], number[], number[], number[], number[], number[], number[]];
  const [digests, users, groups, links, langs] = FILE_STRING_TAGS.map(strs) as [string[], string[], string[], string[], string[]];
  return paths.map((path, i) => {
    const f = flags[i] ?? 0;
    return {
      path,
      mode: modes[i] ?? 0,
      size: sizes[i] ?? 0,
      digest: digests[i] ?? '',
      flags: f,
      user: users[i] ?? 'root',
      group: groups[i] ?? 'root',
      linkto: links[i] ?? '',
      mtime: mtimes[i] ?? 0,
      inode: inodes[i] ?? 0,
      device: devices[i] ?? 0,
      rdev: rdevs[i] ?? 0,
      lang: langs[i] ?? '',
      verifyFlags: verify[i] ?? 0xffffffff,
      color: colors[i] ?? 0,
      config: (f & FileFlag.CONFIG) !== 0,
      doc: (f & FileFlag.DOC) !== 0,
      ghost: (f & FileFlag.GHOST) !== 0,
      license: (f & FileFlag.LICENSE) !== 0,
    };
  });
}
