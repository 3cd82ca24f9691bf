/**
 * The shape check of a cached fragment about to be compressed into a new chunk: it must be the
 * element of its package: primary's starts `<package type="rpm">` and holds `pkgid="YES">PKGID<`,
 * filelists' and other's start `<package pkgid="PKGID"`, all end `</package>\n`.
 */
import type { FileKind } from './chunking.ts';

const PRIMARY_OPEN = Buffer.from('<package type="rpm">\n', 'latin1');
const PKGID_OPEN = Buffer.from('<package pkgid="', 'latin1');
const PRIMARY_PKGID = Buffer.from('pkgid="YES">', 'latin1');
const CLOSE = Buffer.from('</package>\n', 'latin1');

/**
 * Whether buf[at, at + len) looks like the fragment of `kind` of the package whose pkgId (as ASCII
 * hex) is ids[idAt, idAt + 64).
 */
export function fragmentLooksRight(kind: FileKind, buf: Buffer, at: number, len: number, ids: Buffer, idAt: number): boolean {
  const end = at + len;
  if (len < PKGID_OPEN.length + 64 + CLOSE.length || buf.compare(CLOSE, 0, CLOSE.length, end - CLOSE.length, end) !== 0) return false;
  let id: number;
  if (kind === 0) {
    if (buf.compare(PRIMARY_OPEN, 0, PRIMARY_OPEN.length, at, at + PRIMARY_OPEN.length) !== 0) return false;
    const p = buf.indexOf(PRIMARY_PKGID, at);
    if (p < 0 || p + PRIMARY_PKGID.length + 65 > end) return false;
    id = p + PRIMARY_PKGID.length;
    if (buf[id + 64] !== 0x3c) return false;
  } else {
    if (buf.compare(PKGID_OPEN, 0, PKGID_OPEN.length, at, at + PKGID_OPEN.length) !== 0) return false;
    id = at + PKGID_OPEN.length;
    if (buf[id + 64] !== 0x22) return false;
  }
  return buf.compare(ids, idAt, idAt + 64, id, id + 64) === 0;
}
