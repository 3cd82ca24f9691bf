/**
 * The two dist-git layouts real distributions use, read from a checked-out tree:
 *
 * - CentOS/RHEL git (git.centos.org): SPECS/ and SOURCES/, and a `.NAME.metadata` file at the root
 *   with one `HASH SOURCES/FILE` line per source kept outside git (sha1 in old branches, sha256 or
 *   sha512 in newer ones: the type is told by the hash's length).
 * - Fedora and CentOS Stream: the spec at the root and a `sources` file with
 *   `SHA512 (FILE) = HASH` lines (any hash type, e.g. SHA256), or the old `md5sum` form
 *   `HASH  FILE`; the files go beside the spec.
 *
 * A plain git tree has neither file: its sources are committed. Parsing is strict: a line that
 * does not parse fails naming the file and line, and a file name with a directory part (or a
 * metadata path leaving the tree) is refused as path traversal.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileNameProblem, hashType, hashTypeOfLength, type HashType } from '../lookaside/index.ts';
import { BuildFailedError } from './errors.ts';

/** A source file a dist-git tree names by hash. */
export interface SourceRef {
  /** Where it goes, relative to the tree's root (`SOURCES/x.tar.gz`, or `x.tar.gz` beside a root spec). */
  path: string;
  filename: string;
  hashtype: HashType;
  /** Lower-case hex. */
  hash: string;
}

export type DistGitLayout = 'centos' | 'fedora' | 'plain';

/** What a tree says about its sources. */
export interface DistGitSources {
  layout: DistGitLayout;
  /** The package name lookaside URLs use (from `.NAME.metadata`, else the spec's file name). */
  name: string;
  /** The file(s) that named them, relative to the root: `.hello.metadata`, `sources`. */
  listedIn: string[];
  files: SourceRef[];
}

function lineError(file: string, n: number, problem: string): BuildFailedError {
  return new BuildFailedError(`${file} line ${n}: ${problem}`);
}

function lines(text: string): [number, string][] {
  return text
    .split('\n')
    .map((l, i): [number, string] => [i + 1, l.replace(/\r$/, '')])
    .filter(([, l]) => l.trim() !== '');
}

function bareHash(hex: string, file: string, n: number): { hashtype: HashType; hash: string } {
  const t = hashTypeOfLength(hex);
  if (!t) throw lineError(file, n, `${JSON.stringify(hex)} is not a hash (hex digits, 32 md5, 40 sha1, 64 sha256 or 128 sha512)`);
  return { hashtype: t, hash: hex.toLowerCase() };
}

function safeName(name: string, file: string, n: number): string {
  const problem = fileNameProblem(name);
  if (problem) throw lineError(file, n, problem);
  return name;
}

/**
 * Reads a Fedora-style `sources` file (`SHA512 (FILE) = HASH` or `HASH  FILE`).
 * @throws BuildFailedError naming the file and line of anything else.
 */
export function parseSourcesFile(text: string, file = 'sources'): Omit<SourceRef, 'path'>[] {
  return lines(text).map(([n, line]) => {
    const tagged = /^([A-Za-z0-9]+) \((.*)\) = ([0-9a-fA-F]+)$/.exec(line);
    if (tagged) {
      const [, type = '', filename = '', hex = ''] = tagged;
      let hashtype: HashType;
      try {
        hashtype = hashType(type);
      } catch (e) {
        throw lineError(file, n, (e as Error).message);
      }
      const found = bareHash(hex, file, n);
      if (found.hashtype !== hashtype) throw lineError(file, n, `a ${type} hash has ${hex.length} hex digits, not that many`);
      return { filename: safeName(filename, file, n), ...found };
    }
    const plain = /^([0-9a-fA-F]+) {2}\*?(\S.*)$/.exec(line);
    if (plain) {
      const [, hex = '', filename = ''] = plain;
      return { filename: safeName(filename, file, n), ...bareHash(hex, file, n) };
    }
    throw lineError(file, n, `cannot parse ${JSON.stringify(line)} (expected "SHA512 (FILE) = HASH" or "HASH  FILE")`);
  });
}

/**
 * Reads a CentOS `.NAME.metadata` file (`HASH SOURCES/FILE`). Paths are relative to the tree and
 * may not leave it.
 * @throws BuildFailedError naming the file and line of anything else.
 */
export function parseMetadataFile(text: string, file: string): SourceRef[] {
  return lines(text).map(([n, line]) => {
    const m = /^([0-9a-fA-F]+)[ \t]+(\S+)[ \t]*$/.exec(line);
    if (!m) throw lineError(file, n, `cannot parse ${JSON.stringify(line)} (expected "HASH SOURCES/FILE")`);
    const [, hex = '', path = ''] = m;
    const parts = path.split('/');
    if (path.startsWith('/') || parts.some((p) => p === '..' || p === '')) throw lineError(file, n, `${JSON.stringify(path)} leaves the tree (path traversal refused)`);
    for (const p of parts) safeName(p, file, n);
    return { path: parts.join('/'), filename: parts[parts.length - 1] ?? path, ...bareHash(hex, file, n) };
  });
}

function isFile(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/**
 * The sources a checked-out tree lists: `.NAME.metadata` (CentOS), `sources` (Fedora; the files go
 * into `sourceDir`), both, or neither (a plain tree).
 * @throws BuildFailedError for two metadata files or a line that does not parse.
 */
export function distGitSources(dir: string, specPath: string, sourceDir: string): DistGitSources {
  const metadata = readdirSync(dir).filter((f) => /^\..+\.metadata$/.test(f) && isFile(join(dir, f))).sort();
  if (metadata.length > 1) throw new BuildFailedError(`${metadata.length} metadata files (${metadata.join(', ')}): expected at most one .NAME.metadata`);
  const files: SourceRef[] = [];
  const listedIn: string[] = [];
  let name = basename(specPath, '.spec');
  const [meta] = metadata;
  if (meta !== undefined) {
    name = meta.slice(1, -'.metadata'.length);
    files.push(...parseMetadataFile(readFileSync(join(dir, meta), 'utf8'), meta));
    listedIn.push(meta);
  }
  if (isFile(join(dir, 'sources'))) {
    const into = relative(dir, sourceDir);
    for (const s of parseSourcesFile(readFileSync(join(dir, 'sources'), 'utf8'))) files.push({ ...s, path: into ? `${into}/${s.filename}` : s.filename });
    listedIn.push('sources');
  }
  const layout: DistGitLayout = meta !== undefined ? 'centos' : listedIn.length > 0 ? 'fedora' : 'plain';
  return { layout, name, listedIn, files };
}
