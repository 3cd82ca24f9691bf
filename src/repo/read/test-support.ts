/**
 * Synthetic repodata for tests and measurements: createrepo_c-shaped primary.xml, filelists.xml
 * and other.xml for any number of made-up packages, written (gzip or plain) with a matching
 * repomd.xml. Package k is the same for the same k, whatever the count. Also what the reader
 * tests share: reading a document to the end, checking that broken documents fail, and the
 * packages of the filelists.xml and other.xml tests.
 *
 * Terminology:
 * - synthetic package k: `pkg-k`, version `1.<k % 100>`, release `<k % 7 + 1>.el9`, x86_64 (every
 *   fifth noarch), with a few dependencies, files under /usr/bin, /usr/lib64, /usr/share/doc and
 *   /etc, and three changelog entries.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import { RepoReadError } from '../errors.ts';
import type { XmlInput } from './items.ts';
import type { PackageEntryId } from './package-entry.ts';

/** The two packages of the filelists.xml and other.xml tests (createrepo_c's), as their entries name them. */
export const ARCHER_ID: PackageEntryId = { pkgId: '65dd', name: 'Archer', arch: 'x86_64', epoch: '2', version: '3.4.5', release: '6' };
export const FOO_ID: PackageEntryId = { pkgId: '3804', name: 'foo', arch: 'noarch', epoch: '0', version: '1.0', release: '1' };

/** Every item `read` yields for `input` (a reader such as readPrimary), reading as `file`. */
export async function readAll<T>(read: (input: XmlInput, file: string) => AsyncIterable<T>, input: XmlInput, file: string): Promise<T[]> {
  const out: T[] = [];
  for await (const item of read(input, file)) out.push(item);
  return out;
}

/** Asserts that reading each document with `readDocument` fails with a RepoReadError matching its pattern. */
export async function assertReadErrors(readDocument: (xml: string) => Promise<unknown>, cases: [xml: string, expected: RegExp][]): Promise<void> {
  for (const [xml, expected] of cases) {
    await assert.rejects(readDocument(xml), (err) => err instanceof RepoReadError && expected.test(err.message), xml.slice(0, 120));
  }
}

export interface SyntheticOptions {
  /** Compression of the three files. Default gzip (level 1, fast). */
  compress?: 'gzip' | 'none';
  /** Write filelists.xml and other.xml in reverse package order (default false). */
  reverseFollowers?: boolean;
  /** Files per package in filelists.xml. Default 12. */
  files?: number;
  /** Minimal primary.xml packages (about 400 bytes each) for large counts. Default false. */
  lean?: boolean;
  /** Only write these of primary, filelists and other. Default all three. */
  types?: ('primary' | 'filelists' | 'other')[];
  /** More metadata files to list in repomd.xml (e.g. updateinfo, group), compressed as `compress`. */
  extra?: { type: string; content: string | Buffer }[];
}

const pkgId = (k: number): string => createHash('sha256').update(`pkg-${k}`).digest('hex');
const evr = (k: number): { epoch: string; ver: string; rel: string } => ({ epoch: k % 11 === 0 ? '1' : '0', ver: `1.${k % 100}`, rel: `${(k % 7) + 1}.el9` });
const arch = (k: number): string => (k % 5 === 0 ? 'noarch' : 'x86_64');

/** All file paths of synthetic package k (the first `n`). */
export function syntheticFiles(k: number, n: number): { path: string; dir: boolean }[] {
  const out: { path: string; dir: boolean }[] = [
    { path: `/usr/bin/pkg-${k}`, dir: false },
    { path: `/etc/pkg-${k}.conf`, dir: false },
    { path: `/usr/share/doc/pkg-${k}`, dir: true },
  ];
  for (let i = 0; out.length < n; i++) out.push({ path: `/usr/lib64/pkg-${k}/module-${i}.so`, dir: false });
  return out.slice(0, n);
}

/** The `<package>` element of primary.xml for package k. */
export function syntheticPrimaryPackage(k: number, files: number): string {
  const { epoch, ver, rel } = evr(k);
  const a = arch(k);
  const primaryFiles = syntheticFiles(k, files)
    .filter((f) => f.path.startsWith('/etc/') || f.path.includes('bin/'))
    .map((f) => `    <file${f.dir ? ' type="dir"' : ''}>${f.path}</file>\n`)
    .join('');
  return `<package type="rpm">
  <name>pkg-${k}</name>
  <arch>${a}</arch>
  <version epoch="${epoch}" ver="${ver}" rel="${rel}"/>
  <checksum type="sha256" pkgid="YES">${pkgId(k)}</checksum>
  <summary>Synthetic package number ${k} &amp; friends</summary>
  <description>Package ${k} exists to be parsed.
It has a second line &lt;with markup&gt;.</description>
  <packager>Build System &lt;build@example.org&gt;</packager>
  <url>https://example.org/pkg-${k}</url>
  <time file="1700000000" build="${1690000000 + k}"/>
  <size package="${10000 + k}" installed="${50000 + k}" archive="${51000 + k}"/>
  <location href="Packages/p/pkg-${k}-${ver}-${rel}.${a}.rpm"/>
  <format>
    <rpm:license>MIT</rpm:license>
    <rpm:vendor>Example</rpm:vendor>
    <rpm:group>Unspecified</rpm:group>
    <rpm:buildhost>builder-${k % 13}.example.org</rpm:buildhost>
    <rpm:sourcerpm>pkg-${k}-${ver}-${rel}.src.rpm</rpm:sourcerpm>
    <rpm:header-range start="4504" end="${9000 + (k % 1000)}"/>
    <rpm:provides>
      <rpm:entry name="pkg-${k}" flags="EQ" epoch="${epoch}" ver="${ver}" rel="${rel}"/>
      <rpm:entry name="pkg-${k}(x86-64)" flags="EQ" epoch="${epoch}" ver="${ver}" rel="${rel}"/>
      <rpm:entry name="libpkg${k}.so.1()(64bit)"/>
    </rpm:provides>
    <rpm:requires>
      <rpm:entry name="/bin/sh" pre="1"/>
      <rpm:entry name="libc.so.6(GLIBC_2.34)(64bit)"/>
      <rpm:entry name="pkg-${Math.max(0, k - 1)}" flags="GE" epoch="0" ver="1.0"/>
    </rpm:requires>
${primaryFiles}  </format>
</package>
`;
}

/** A small `<package>` element of primary.xml for package k (see `lean`): required fields, a provide and a file. */
export function leanPrimaryPackage(k: number): string {
  const { epoch, ver, rel } = evr(k);
  return `<package type="rpm"><name>pkg-${k}</name><arch>${arch(k)}</arch><version epoch="${epoch}" ver="${ver}" rel="${rel}"/><checksum type="sha256" pkgid="YES">${pkgId(k)}</checksum><location href="Packages/pkg-${k}.rpm"/><format><rpm:provides><rpm:entry name="pkg-${k}" flags="EQ" epoch="${epoch}" ver="${ver}" rel="${rel}"/></rpm:provides><file>/usr/bin/pkg-${k}</file></format></package>
`;
}

function filelistsPackage(k: number, files: number): string {
  const { epoch, ver, rel } = evr(k);
  const lines = syntheticFiles(k, files)
    .map((f) => `  <file${f.dir ? ' type="dir"' : ''}>${f.path}</file>\n`)
    .join('');
  return `<package pkgid="${pkgId(k)}" name="pkg-${k}" arch="${arch(k)}">\n  <version epoch="${epoch}" ver="${ver}" rel="${rel}"/>\n${lines}</package>\n`;
}

function otherPackage(k: number): string {
  const { epoch, ver, rel } = evr(k);
  let s = `<package pkgid="${pkgId(k)}" name="pkg-${k}" arch="${arch(k)}">\n  <version epoch="${epoch}" ver="${ver}" rel="${rel}"/>\n`;
  for (let i = 0; i < 3; i++) {
    s += `  <changelog author="Dev ${i} &lt;dev${i}@example.org&gt; - ${ver}-${i}" date="${1600000000 + i * 86400}">- change ${i} of package ${k}</changelog>\n`;
  }
  return `${s}</package>\n`;
}

interface Written {
  href: string;
  checksum: string;
  size: number;
  openChecksum: string;
  openSize: number;
}

/** Writes one metadata file from `parts`, compressing as asked; returns what repomd.xml records. */
async function writeMetadata(dir: string, type: string, compress: 'gzip' | 'none', parts: Iterable<string | Buffer>): Promise<Written> {
  const tmp = join(dir, 'repodata', `.${type}.tmp`);
  const out = createWriteStream(tmp);
  const storedHash = createHash('sha256');
  const openHash = createHash('sha256');
  let size = 0;
  let openSize = 0;
  const gzip = compress === 'gzip' ? createGzip({ level: 1 }) : null;
  const sink: Writable = gzip ?? out;
  const count = (b: Buffer): void => {
    storedHash.update(b);
    size += b.length;
  };
  if (gzip) {
    gzip.on('data', count);
    gzip.pipe(out);
  }
  let batch = '';
  const flush = async (): Promise<void> => {
    const b = Buffer.from(batch);
    batch = '';
    await put(b);
  };
  const put = async (b: Buffer): Promise<void> => {
    openHash.update(b);
    openSize += b.length;
    if (!gzip) count(b);
    if (!sink.write(b)) await once(sink, 'drain');
  };
  for (const part of parts) {
    if (typeof part !== 'string') {
      await flush();
      await put(part);
      continue;
    }
    batch += part;
    if (batch.length > 1 << 20) await flush();
  }
  await flush();
  sink.end();
  await once(out, 'close');
  const checksum = storedHash.digest('hex');
  const href = `repodata/${checksum}-${type}${type === 'modules' ? '.yaml' : '.xml'}${compress === 'gzip' ? '.gz' : ''}`;
  await rename(tmp, join(dir, href));
  return { href, checksum, size, openChecksum: openHash.digest('hex'), openSize };
}

function* document(head: string, n: number, reverse: boolean, body: (k: number) => string, tail: string): Generator<string> {
  yield head;
  for (let i = 0; i < n; i++) yield body(reverse ? n - 1 - i : i);
  yield tail;
}

/** repomd.xml text for the written files. */
export function repomdXml(records: Record<string, Written>): string {
  let s = '<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n  <revision>1700000000</revision>\n';
  for (const [type, w] of Object.entries(records)) {
    s += `  <data type="${type}">
    <checksum type="sha256">${w.checksum}</checksum>
    <open-checksum type="sha256">${w.openChecksum}</open-checksum>
    <location href="${w.href}"/>
    <timestamp>1700000000</timestamp>
    <size>${w.size}</size>
    <open-size>${w.openSize}</open-size>
  </data>
`;
  }
  return `${s}</repomd>\n`;
}

/**
 * Writes a repository of `n` synthetic packages under `dir` (repodata/ with primary, filelists,
 * other, any `extra` files and repomd.xml). Returns the open sizes of the files by type, in bytes.
 */
export async function writeSyntheticRepo(dir: string, n: number, options: SyntheticOptions = {}): Promise<Record<string, number>> {
  const compress = options.compress ?? 'gzip';
  const files = options.files ?? 12;
  const reverse = options.reverseFollowers ?? false;
  const types = options.types ?? ['primary', 'filelists', 'other'];
  await mkdir(join(dir, 'repodata'), { recursive: true });
  const head = (root: string, ns: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://linux.duke.edu/metadata/${ns}"${root === 'metadata' ? ' xmlns:rpm="http://linux.duke.edu/metadata/rpm"' : ''} packages="${n}">\n`;
  const written: Record<string, Written> = {};
  if (types.includes('primary')) {
    const body = options.lean ? leanPrimaryPackage : (k: number): string => syntheticPrimaryPackage(k, files);
    written.primary = await writeMetadata(dir, 'primary', compress, document(head('metadata', 'common'), n, false, body, '</metadata>\n'));
  }
  if (types.includes('filelists')) {
    written.filelists = await writeMetadata(dir, 'filelists', compress, document(head('filelists', 'filelists'), n, reverse, (k) => filelistsPackage(k, files), '</filelists>\n'));
  }
  if (types.includes('other')) {
    written.other = await writeMetadata(dir, 'other', compress, document(head('otherdata', 'other'), n, reverse, otherPackage, '</otherdata>\n'));
  }
  for (const { type, content } of options.extra ?? []) written[type] = await writeMetadata(dir, type, compress, [content]);
  await writeFile(join(dir, 'repodata', 'repomd.xml'), repomdXml(written));
  return Object.fromEntries(Object.entries(written).map(([type, w]) => [type, w.openSize]));
}

/** The pkgId of synthetic package k. */
export const syntheticPkgId = pkgId;
