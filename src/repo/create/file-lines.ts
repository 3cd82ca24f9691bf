/**
 * A package's `<file>` lines for filelists.xml and primary.xml, written straight from the header's
 * bytes: a package of a few hundred files would otherwise become as many path strings, objects,
 * escaped strings and UTF-8 encodings (most of the reading time of large packages).
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
import { FileFlag, Tag } from '../../rpm/tags.ts';
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

/** The NUL-terminated strings of `range` in `b` (its bytes known to be ASCII); null unless `count` of them, all plain. */
function names(b: Buffer, range: { start: number; stop: number; count: number }, notPlain: RegExp): string[] | null {
  const text = b.toString('latin1', range.start, range.stop - 1);
  if (notPlain.test(text)) return null;
  const out = text.split('\0');
  return out.length === range.count ? out : null;
}

/** `<file>` openings for files, directories and ghosts (by {@link HeaderFileList} kind). */
function openings(indent: string): [string, string, string] {
  return [`${indent}<file>`, `${indent}<file type="dir">`, `${indent}<file type="ghost">`];
}
const OPEN = { filelists: openings(FILELISTS_FILE_INDENT), primary: openings(PRIMARY_FILE_INDENT) };
const CLOSE = '</file>\n';

export class HeaderFileList {
  private constructor(
    private readonly dirs: string[],
    private readonly bases: string[],
    private readonly dirIndexes: number[],
    /** Per file: 0 file, 1 dir, 2 ghost. */
    private readonly kinds: Uint8Array,
    /** Per directory: every file in it is in primary.xml (1), none is (0), or only /usr/lib/sendmail (2). */
    private readonly primaryDirs: Uint8Array,
  ) {}

  /**
   * The file list of header `h` when its names can be written as they are; null otherwise (no
   * files, old-style names, names to escape or decode, tags that do not agree): then the caller
   * reads the files as strings, which also reports any damage.
   */
  static of(h: Header): HeaderFileList | null {
    const bn = h.stringsRange(Tag.BASENAMES);
    const dn = h.stringsRange(Tag.DIRNAMES);
    if (!bn || !dn) return null;
    const bases = names(h.blob, bn, NOT_PLAIN_BASE);
    const dirs = bases && names(h.blob, dn, NOT_PLAIN);
    if (!bases || !dirs) return null;
    const n = bases.length;
    const dirIndexes = h.numbers(Tag.DIRINDEXES);
    if (dirIndexes.length !== n) return null;
    for (const d of dirIndexes) if (d >= dirs.length) return null;
    checkPerFileTags(h, n);
    const modes = h.numbers(Tag.FILEMODES);
    const flags = h.numbers(Tag.FILEFLAGS);
    const kinds = new Uint8Array(n);
    for (let i = 0; i < n; i++) kinds[i] = ((modes[i] ?? 0) & S_IFMT) === S_IFDIR ? 1 : ((flags[i] ?? 0) & FileFlag.GHOST) !== 0 ? 2 : 0;
    // With no `/` in base names, `/etc/` and `bin/` can only be in the directory's part.
    const primaryDirs = new Uint8Array(dirs.length);
    dirs.forEach((dir, d) => (primaryDirs[d] = dir.startsWith('/etc/') || dir.includes('bin/') ? 1 : SENDMAIL.startsWith(dir) ? 2 : 0));
    return new HeaderFileList(dirs, bases, dirIndexes, kinds, primaryDirs);
  }

  /** The path of file `i`. */
  path(i: number): string {
    return (this.dirs[this.dirIndexes[i] as number] as string) + (this.bases[i] as string);
  }

  /** Whether a file of the list has this path. */
  has(path: string): boolean {
    for (let i = 0; i < this.bases.length; i++) {
      const dir = this.dirs[this.dirIndexes[i] as number] as string;
      const base = this.bases[i] as string;
      if (dir.length + base.length === path.length && path.endsWith(base) && path.startsWith(dir)) return true;
    }
    return false;
  }

  /** The `<file>` lines of filelists.xml (every file) or of primary.xml (its subset). */
  lines(which: 'filelists' | 'primary'): string {
    const open = OPEN[which];
    const primary = which === 'primary';
    let s = '';
    for (let i = 0; i < this.bases.length; i++) {
      const d = this.dirIndexes[i] as number;
      if (primary) {
        const p = this.primaryDirs[d];
        if (p === 0 || (p === 2 && !isPrimaryFile(this.path(i)))) continue;
      }
      s += (open[this.kinds[i] as number] as string) + (this.dirs[d] as string) + (this.bases[i] as string) + CLOSE;
    }
    return s;
  }
}
