/**
 * Reading a deb: its data archive unpacked by tar, which lists each member as it extracts it (the
 * archive's own modes and owners, whoever runs us: an unprivileged unpack would lose set-id bits
 * and owners), its control fields from `dpkg-deb -f`, and dated by the `ar` header of its first member (the time
 * dpkg-deb built it), which becomes the build time of the EL package made from it.
 */
import { closeSync, lstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { BootstrapError } from './errors.ts';
import { toolOutput } from './run.ts';

/** One member of a deb's data archive. */
export interface DebEntry {
  /** Absolute path as Debian installs it (`/bin/bash`). */
  path: string;
  type: 'file' | 'dir' | 'link';
  /** Permission bits, set-id and sticky bits included, from the archive. */
  mode: number;
  /** Owned by root (user / group) in the archive. */
  rootUser: boolean;
  rootGroup: boolean;
  /** Symlink target as the archive has it. */
  linkto?: string;
  /** Modification time, seconds. */
  mtime: number;
  size: number;
}

/** An unpacked deb. */
export interface UnpackedDeb {
  name: string;
  /** Where its files are (`dir` + entry path). */
  dir: string;
  /** Its control fields (Package, Version, Architecture, Source, Description…). */
  control: Record<string, string>;
  /** When dpkg-deb built it (seconds). */
  date: number;
  entries: DebEntry[];
}

/** The modification time of a deb's first `ar` member (`debian-binary`). */
export function debDate(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(8 + 60);
    readSync(fd, head, 0, head.length, 0);
    if (head.toString('latin1', 0, 8) !== '!<arch>\n') throw new BootstrapError(`${file} is not a Debian package (no ar archive)`);
    const date = Number.parseInt(head.toString('latin1', 8 + 16, 8 + 28).trim(), 10);
    if (!Number.isInteger(date) || date < 0) throw new BootstrapError(`${file}: unreadable ar member date`);
    return date;
  } finally {
    closeSync(fd);
  }
}

/** Parses a control file's fields (continuation lines joined with newlines). */
export function parseControl(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let last: string | null = null;
  for (const line of text.split('\n')) {
    if (/^\s/.test(line) && last !== null) {
      fields[last] += `\n${line.slice(1)}`;
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (m) {
      last = m[1] as string;
      fields[last] = m[2] as string;
    }
  }
  return fields;
}

function permissions(s: string): number {
  const bit = (i: number, value: number): number => (s[i] !== '-' && s[i] !== 'S' && s[i] !== 'T' ? value : 0);
  let mode = bit(1, 0o400) | bit(2, 0o200) | bit(3, 0o100) | bit(4, 0o40) | bit(5, 0o20) | bit(6, 0o10) | bit(7, 0o4) | bit(8, 0o2) | bit(9, 0o1);
  if (s[3] === 's' || s[3] === 'S') mode |= 0o4000;
  if (s[6] === 's' || s[6] === 'S') mode |= 0o2000;
  if (s[9] === 't' || s[9] === 'T') mode |= 0o1000;
  return mode;
}

const LISTING = /^([-dlhcbps][-rwxsStT]{9})\s+([^/\s]+)\/(\S+)\s+\d+\s+\S+\s+\S+\s+\.(\/.*)$/;

/** The entries of a `tar -tvv`-style listing, with modification times from the unpacked tree. */
function parseListing(listing: string, dir: string, file: string): DebEntry[] {
  const entries: DebEntry[] = [];
  for (const line of listing.split('\n')) {
    if (line === '') continue;
    const m = LISTING.exec(line);
    if (!m) throw new BootstrapError(`${file}: unexpected tar listing line ${JSON.stringify(line)}`);
    const perms = m[1] as string;
    let path = m[4] as string;
    let linkto: string | undefined;
    const kind = perms[0];
    if (kind === 'l') {
      const at = path.indexOf(' -> ');
      linkto = path.slice(at + 4);
      path = path.slice(0, at);
    } else if (kind === 'h') {
      path = path.slice(0, path.indexOf(' link to '));
    } else if (kind !== '-' && kind !== 'd') {
      throw new BootstrapError(`${file}: ${path} is a device or fifo, which no EL package of the bootstrap has`);
    }
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    if (path === '/') continue;
    const st = lstatSync(join(dir, path));
    entries.push({
      path,
      type: kind === 'd' ? 'dir' : kind === 'l' ? 'link' : 'file',
      mode: permissions(perms),
      rootUser: m[2] === 'root',
      rootGroup: m[3] === 'root',
      ...(linkto === undefined ? {} : { linkto }),
      mtime: Math.floor(st.mtimeMs / 1000),
      size: kind === 'd' || kind === 'l' ? 0 : st.size,
    });
  }
  return entries;
}

/**
 * Unpacks `file` (the deb `name`) into `dir` and reads what the maker needs of it. The data
 * archive is decompressed once: tar extracts it and lists each member as it goes.
 */
export async function unpackDeb(name: string, file: string, dir: string): Promise<UnpackedDeb> {
  mkdirSync(dir, { recursive: true });
  // Translations, manual and info pages and changelogs are never kept: not even written out.
  const skip = ['./usr/share/locale/*', './usr/share/man/*', './usr/share/info/*', './usr/share/doc/*/*.gz'].map((p) => `--exclude=${p}`).join(' ');
  const script = `set -o pipefail; dpkg-deb --fsys-tarfile "$1" | tar -x -v -v -f - -C "$2" --wildcards ${skip}`;
  const [listing, fields] = await Promise.all([toolOutput('bash', ['-c', script, 'unpack', file, dir]), toolOutput('dpkg-deb', ['-f', file])]);
  return { name, dir, control: parseControl(fields), date: debDate(file), entries: parseListing(listing, dir, file) };
}
