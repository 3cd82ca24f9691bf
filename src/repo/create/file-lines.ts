/**
 * A package's `<file>` lines for filelists.xml and primary.xml, copied straight from the header's
 * bytes into the output: a package of a few hundred files would otherwise become as many path
 * strings, objects, escaped strings and UTF-8 encodings (most of the reading time of large
 * packages). No string is made per file.
 *
 * Only for the common case, where the bytes are the output: files named by DIRNAMES, BASENAMES
 * and DIRINDEXES, every byte of both name lists printable ASCII other than `&`, `<` and `>`, and
 * no `/` in a base name. Then each path is its directory's bytes followed by its base name's, with
 * nothing to escape or decode, and whether it belongs in primary.xml follows from its directory
 * alone (see {@link isPrimaryFile}). Anything else (old-style OLDFILENAMES, other bytes, a header
 * whose file tags do not agree) is left to the string path ({@link HeaderFileList.of} gives
 * null), which renders it, or refuses it with the same error as before.
 */
import { checkPerFileTags } from '../../rpm/files.ts';
import type { Header } from '../../rpm/header.ts';
import { FileFlag, Tag, TagType } from '../../rpm/tags.ts';
import { isPrimaryFile } from '../model.ts';
import { FILELISTS_FILE_INDENT } from '../render/filelists.ts';
import { PRIMARY_FILE_INDENT } from '../render/primary.ts';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const SENDMAIL = '/usr/lib/sendmail';

/* eslint-disable no-control-regex -- the pattern exists to find control characters */
/** A byte in a name list (NUL-separated) that is not written as it is: not printable ASCII, or `&`, `<`, `>`. */
const NOT_PLAIN = /[^\x00\x20-\x25\x27-\x3b\x3d\x3f-\x7e]/;
/** The same in base names, where `/` is not plain either. */
const NOT_PLAIN_BASE = /[^\x00\x20-\x25\x27-\x2e\x30-\x3b\x3d\x3f-\x7e]/;
/* eslint-enable no-control-regex */

/**
 * Where each of the `count` NUL-terminated names in `b` from `start` to `stop` begins (`count + 1`
 * offsets: name i is from `at[i]` to `at[i + 1] - 1`); null unless every byte is plain. The range
 * is a {@link Header.stringsRange}: exactly `count` names, each ending with its NUL.
 */
function baseOffsets(b: Buffer, start: number, stop: number, count: number): Int32Array | null {
  const text = b.toString('latin1', start, stop);
  if (NOT_PLAIN_BASE.test(text)) return null;
  const at = new Int32Array(count + 1);
  at[0] = start;
  // One native search per name: loops over bytes are slow while the code is still cold.
  for (let k = 1, pos = 0; k <= count; k++) at[k] = start + (pos = text.indexOf('\0', pos) + 1);
  return at;
}

/** The ASCII bytes of `s`. */
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** `<file>` openings for files, directories and ghosts (by {@link HeaderFileList} kind). */
function openings(indent: string): [Uint8Array, Uint8Array, Uint8Array] {
  return [ascii(`${indent}<file>`), ascii(`${indent}<file type="dir">`), ascii(`${indent}<file type="ghost">`)];
}
const OPEN = { filelists: openings(FILELISTS_FILE_INDENT), primary: openings(PRIMARY_FILE_INDENT) };
const CLOSE = ascii('</file>\n');
/** The longest opening plus the closing: the most a line takes besides its path. */
const LINE_EXTRA = Math.max(...[...OPEN.filelists, ...OPEN.primary].map((o) => o.length)) + CLOSE.length;

export class HeaderFileList {
  private constructor(
    /** The header's bytes (the names are read from them). */
    private readonly blob: Buffer,
    private readonly dirs: string[],
    /** Where each directory name starts in the blob (`dirs.length + 1` offsets, NULs between). */
    private readonly dirAt: Int32Array,
    /** Where each base name starts in the blob (one more than files, NULs between). */
    private readonly baseAt: Int32Array,
    private readonly dirIndexes: Uint32Array,
    /** Per file: 0 file, 1 dir, 2 ghost. */
    private readonly kinds: Uint8Array,
    /** Per directory: every file in it is in primary.xml (1), none is (0), or only /usr/lib/sendmail (2). */
    private readonly primaryDirs: Uint8Array,
    /** The most bytes the lines can take (every file, the longest directory). */
    private readonly linesMax: number,
  ) {
    this.anyPrimary = primaryDirs.some((k) => k !== 0);
  }

  /** Whether any directory may hold a file of primary.xml. */
  private readonly anyPrimary: boolean;

  /** The room {@link write} needs after where it writes: the lines, then as much again to work in. */
  get room(): number {
    return 2 * this.linesMax;
  }

  /**
   * The file list of header `h` when its names can be written as they are; null otherwise (no
   * files, old-style names, names to escape or decode, tags that do not agree or are of unusual
   * integer types): then the caller reads the files as strings, which also reports any damage.
   */
  static of(h: Header): HeaderFileList | null {
    const bn = h.stringsRange(Tag.BASENAMES);
    const dn = h.stringsRange(Tag.DIRNAMES);
    if (!bn || !dn || !bn.ascii || !dn.ascii) return null;
    const b = h.blob;
    const n = bn.count;
    const baseAt = baseOffsets(b, bn.start, bn.stop, n);
    if (!baseAt) return null;
    const dirText = b.toString('latin1', dn.start, dn.stop - 1);
    if (NOT_PLAIN.test(dirText)) return null;
    // dn.count names, NUL-separated (Header.stringsRange).
    const dirs = dirText.split('\0');
    const di = h.numbersRange(Tag.DIRINDEXES);
    const modes = h.numbersRange(Tag.FILEMODES);
    const flags = h.numbersRange(Tag.FILEFLAGS);
    if (!di || di.type !== TagType.INT32 || di.count !== n) return null;
    checkPerFileTags(h, n);
    if ((modes && modes.type !== TagType.INT16) || (flags && flags.type !== TagType.INT32)) return null;
    const dirIndexes = new Uint32Array(n);
    const kinds = new Uint8Array(n);
    let longestDir = 0;
    for (let i = 0, p = di.start; i < n; i++, p += 4) {
      const d = (((b[p] as number) << 24) | ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number)) >>> 0;
      if (d >= dirs.length) return null;
      dirIndexes[i] = d;
      const mode = modes ? ((b[modes.start + 2 * i] as number) << 8) | (b[modes.start + 2 * i + 1] as number) : 0;
      const ghost = flags ? ((b[flags.start + 4 * i + 3] as number) & FileFlag.GHOST) !== 0 : false;
      kinds[i] = (mode & S_IFMT) === S_IFDIR ? 1 : ghost ? 2 : 0;
    }
    const dirAt = new Int32Array(dirs.length + 1);
    dirAt[0] = dn.start;
    // With no `/` in base names, `/etc/` and `bin/` can only be in the directory's part.
    const primaryDirs = new Uint8Array(dirs.length);
    dirs.forEach((dir, d) => {
      dirAt[d + 1] = (dirAt[d] as number) + dir.length + 1;
      longestDir = Math.max(longestDir, dir.length);
      primaryDirs[d] = dir.startsWith('/etc/') || dir.includes('bin/') ? 1 : SENDMAIL.startsWith(dir) ? 2 : 0;
    });
    return new HeaderFileList(b, dirs, dirAt, baseAt, dirIndexes, kinds, primaryDirs, n * (LINE_EXTRA + longestDir) + (bn.stop - bn.start) + (dn.stop - dn.start));
  }

  /** The path of file `i`. */
  path(i: number): string {
    return (this.dirs[this.dirIndexes[i] as number] as string) + this.blob.toString('latin1', this.baseAt[i], (this.baseAt[i + 1] as number) - 1);
  }

  /** Whether a file of the list has this path. */
  has(path: string): boolean {
    for (let i = 0; i < this.dirIndexes.length; i++) {
      const dir = this.dirs[this.dirIndexes[i] as number] as string;
      const from = this.baseAt[i] as number;
      const len = (this.baseAt[i + 1] as number) - 1 - from;
      if (dir.length + len !== path.length || !path.startsWith(dir)) continue;
      let k = 0;
      while (k < len && path.charCodeAt(dir.length + k) === this.blob[from + k]) k++;
      if (k === len) return true;
    }
    return false;
  }

  /**
   * Writes the `<file>` lines of filelists.xml (every file) or of primary.xml (its subset) into
   * `out` at `at` (which has {@link room} bytes from there); returns where they end.
   *
   * filelists.xml's lines (every file) are copied with two native copies each within `out` (a
   * loop over bytes would be slow while the code is still cold, most of a run): the names are
   * first copied behind the lines, and each (directory, kind) gets its piece
   * `</file>\n<file …>DIR` there when first seen; a line is then such a piece (the previous
   * line's end with its own start) and its base name. primary.xml's few lines are copied piece by
   * piece.
   */
  write(which: 'filelists' | 'primary', out: Buffer, at: number): number {
    return which === 'primary' ? this.writePrimary(out, at) : this.writeAll(out, at);
  }

  /** primary.xml's lines: a few files, if any, each copied piece by piece. */
  private writePrimary(out: Buffer, at: number): number {
    let p = at;
    if (!this.anyPrimary) return p;
    for (let i = 0; i < this.dirIndexes.length; i++) {
      const d = this.dirIndexes[i] as number;
      const kind = this.primaryDirs[d];
      if (kind === 0 || (kind === 2 && !isPrimaryFile(this.path(i)))) continue;
      const o = OPEN.primary[this.kinds[i] as number] as Uint8Array;
      out.set(o, p);
      p += o.length;
      p += this.blob.copy(out, p, this.dirAt[d] as number, (this.dirAt[d + 1] as number) - 1);
      p += this.blob.copy(out, p, this.baseAt[i] as number, (this.baseAt[i + 1] as number) - 1);
      out.set(CLOSE, p);
      p += CLOSE.length;
    }
    return p;
  }

  /** filelists.xml's lines: every file (see {@link write}). */
  private writeAll(out: Buffer, at: number): number {
    const open = OPEN.filelists;
    const n = this.dirIndexes.length;
    const nd = this.dirs.length;
    const namesFrom = this.baseAt[0] as number;
    const namesTo = this.baseAt[n] as number;
    const dirsFrom = this.dirAt[0] as number;
    const dirsTo = this.dirAt[nd] as number;
    // The work area: base names, directory names, pieces.
    const baseShift = at + this.linesMax - namesFrom;
    this.blob.copy(out, namesFrom + baseShift, namesFrom, namesTo);
    const dirShift = namesTo + baseShift - dirsFrom;
    this.blob.copy(out, dirsFrom + dirShift, dirsFrom, dirsTo);
    let free = dirsTo + dirShift;
    const pieceAt = new Int32Array(3 * nd).fill(-1);
    const pieceEnd = new Int32Array(3 * nd);
    let p = at;
    let first = true;
    for (let i = 0; i < n; i++) {
      const d = this.dirIndexes[i] as number;
      const k = this.kinds[i] as number;
      const t = 3 * d + k;
      let from = pieceAt[t] as number;
      if (from < 0) {
        from = pieceAt[t] = free;
        out.set(CLOSE, free);
        const o = open[k] as Uint8Array;
        out.set(o, free + CLOSE.length);
        free += CLOSE.length + o.length;
        out.copyWithin(free, (this.dirAt[d] as number) + dirShift, (this.dirAt[d + 1] as number) - 1 + dirShift);
        free += (this.dirAt[d + 1] as number) - 1 - (this.dirAt[d] as number);
        pieceEnd[t] = free;
      }
      if (first) from += CLOSE.length;
      first = false;
      const to = pieceEnd[t] as number;
      out.copyWithin(p, from, to);
      p += to - from;
      const bs = (this.baseAt[i] as number) + baseShift;
      const be = (this.baseAt[i + 1] as number) - 1 + baseShift;
      out.copyWithin(p, bs, be);
      p += be - bs;
    }
    if (!first) {
      out.set(CLOSE, p);
      p += CLOSE.length;
    }
    return p;
  }
}
