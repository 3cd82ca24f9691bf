/**
 * The file part of a package being written: the file tags of the main header (in rpmbuild's
 * compressed form DIRNAMES/BASENAMES/DIRINDEXES) and the cpio payload, both in the same order,
 * sorted by path as rpmbuild sorts them.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { EntryValue } from './header-build.ts';
import { writeCpio, type CpioWriteEntry } from './payload/index.ts';
import { FileFlag, Tag, TagType } from './tags.ts';
import type { RpmSpecFile } from './writer-types.ts';
import { fileMode, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './writer-validate.ts';

/** The file tags, the uncompressed cpio archive and the installed size. */
export interface FilePart {
  entries: EntryValue[];
  cpio: Buffer;
  /** Sum of the sizes of all files but ghosts (the SIZE tag). */
  installedSize: number;
}

/** A file after defaults are applied. */
interface Resolved {
  path: string;
  key: Buffer;
  mode: number;
  /** Regular file content, or the symlink target; empty for directories. */
  data: Buffer;
  digest: string;
  linkto: string;
  user: string;
  group: string;
  mtime: number;
  flags: number;
  lang: string;
}

/** All bits set: rpm verifies everything it can (rpmbuild's default %verify). */
const VERIFY_ALL = 0xffffffff;

function resolve(f: RpmSpecFile, buildtime: number): Resolved {
  const mode = fileMode(f);
  const type = mode & S_IFMT;
  const flags = f.flags ?? 0;
  let data: Buffer = Buffer.alloc(0);
  if (type === S_IFREG && f.data !== undefined) data = typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : f.data;
  if (type === S_IFLNK) data = Buffer.from(f.linkto ?? '', 'utf8');
  const ghostWithoutData = (flags & FileFlag.GHOST) !== 0 && f.data === undefined;
  const digest = type === S_IFREG && !ghostWithoutData ? createHash('sha256').update(data).digest('hex') : '';
  return {
    path: f.path,
    key: Buffer.from(f.path, 'utf8'),
    mode,
    data,
    digest,
    linkto: type === S_IFLNK ? (f.linkto ?? '') : '',
    user: f.user ?? 'root',
    group: f.group ?? 'root',
    mtime: f.mtime ?? buildtime,
    flags,
    lang: f.lang ?? '',
  };
}

/** A libmagic-like class for FILECLASS and the color rpm gives ELF files (1 = 32-bit, 2 = 64-bit). */
function classify(r: Resolved): { cls: string; color: number } {
  const type = r.mode & S_IFMT;
  if (type === S_IFDIR) return { cls: 'directory', color: 0 };
  if (type !== S_IFREG) return { cls: '', color: 0 };
  const d = r.data;
  if (d.length === 0) return { cls: 'empty', color: 0 };
  if (d.length >= 20 && d.readUInt32BE(0) === 0x7f454c46) {
    const bits = d[4] === 2 ? 64 : 32;
    const kind = d[16] === 3 ? 'shared object' : 'executable';
    return { cls: `ELF ${bits}-bit ${d[5] === 2 ? 'MSB' : 'LSB'} ${kind}`, color: bits === 64 ? 2 : 1 };
  }
  let text = true;
  let ascii = true;
  for (const b of d) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) {
      text = false;
      break;
    }
    if (b >= 0x80) ascii = false;
  }
  if (!text) return { cls: 'data', color: 0 };
  if (ascii) return { cls: 'ASCII text', color: 0 };
  return { cls: isUtf8(d) ? 'UTF-8 Unicode text' : 'data', color: 0 };
}

/**
 * Builds the file tags and the cpio archive of `files` (already validated). Binary packages store
 * members as `./path` (rpmlib(PayloadFilesHavePrefix)); source packages store bare names.
 */
export function buildFilePart(files: readonly RpmSpecFile[], buildtime: number, source: boolean): FilePart {
  const list = files.map((f) => resolve(f, buildtime)).sort((a, b) => Buffer.compare(a.key, b.key));
  const members: CpioWriteEntry[] = [];
  let installedSize = 0;
  list.forEach((r, i) => {
    if ((r.flags & FileFlag.GHOST) !== 0) return;
    installedSize += r.data.length;
    const name = source ? r.path : `.${r.path}`;
    const symlink = (r.mode & S_IFMT) === S_IFLNK;
    // rpm writes nlink 1 for every member, directories included
    members.push({ name, mode: r.mode, ino: i + 1, nlink: 1, mtime: r.mtime, ...(symlink ? { linkTarget: r.data } : { data: r.data }) });
  });
  const cpio = writeCpio(members);
  if (list.length === 0) return { entries: [], cpio, installedSize };

  const dirIndex = new Map<string, number>();
  const dirIndexes: number[] = [];
  const basenames: string[] = [];
  for (const r of list) {
    const cut = r.path.lastIndexOf('/') + 1;
    const dir = r.path.slice(0, cut);
    let idx = dirIndex.get(dir);
    if (idx === undefined) {
      idx = dirIndex.size;
      dirIndex.set(dir, idx);
    }
    dirIndexes.push(idx);
    basenames.push(r.path.slice(cut));
  }
  const ints = (tag: number, type: typeof TagType.INT16 | typeof TagType.INT32, value: number[]): EntryValue => ({ tag, type, value });
  const strs = (tag: number, value: string[]): EntryValue => ({ tag, type: TagType.STRING_ARRAY, value });
  const entries: EntryValue[] = [
    strs(Tag.DIRNAMES, [...dirIndex.keys()]),
    strs(Tag.BASENAMES, basenames),
    ints(Tag.DIRINDEXES, TagType.INT32, dirIndexes),
    ints(Tag.FILESIZES, TagType.INT32, list.map((r) => r.data.length)),
    ints(Tag.FILEMODES, TagType.INT16, list.map((r) => r.mode)),
    ints(Tag.FILERDEVS, TagType.INT16, list.map(() => 0)),
    ints(Tag.FILEMTIMES, TagType.INT32, list.map((r) => r.mtime)),
    strs(Tag.FILEDIGESTS, list.map((r) => r.digest)),
    strs(Tag.FILELINKTOS, list.map((r) => r.linkto)),
    ints(Tag.FILEFLAGS, TagType.INT32, list.map((r) => r.flags)),
    strs(Tag.FILEUSERNAME, list.map((r) => r.user)),
    strs(Tag.FILEGROUPNAME, list.map((r) => r.group)),
    ints(Tag.FILEVERIFYFLAGS, TagType.INT32, list.map(() => VERIFY_ALL)),
    ints(Tag.FILEDEVICES, TagType.INT32, list.map(() => 1)),
    ints(Tag.FILEINODES, TagType.INT32, list.map((_, i) => i + 1)),
    strs(Tag.FILELANGS, list.map((r) => r.lang)),
  ];
  if (!source) {
    const dict = new Map<string, number>();
    const classes: number[] = [];
    const colors: number[] = [];
    for (const r of list) {
      const { cls, color } = classify(r);
      let idx = dict.get(cls);
      if (idx === undefined) {
        idx = dict.size;
        dict.set(cls, idx);
      }
      classes.push(idx);
      colors.push(color);
    }
    entries.push(ints(Tag.FILECOLORS, TagType.INT32, colors), ints(Tag.FILECLASS, TagType.INT32, classes), strs(Tag.CLASSDICT, [...dict.keys()]));
  }
  return { entries, cpio, installedSize };
}
