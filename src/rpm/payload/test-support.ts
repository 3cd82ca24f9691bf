/**
 * Helpers for the payload tests only (not exported by index.ts): where a corpus file's payload
 * starts, its compressor according to rpm, running the reference tools, snapshots of directory
 * trees, and RPMs built with rpmbuild for each payload compressor.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCompressor } from './codec.ts';
import type { PayloadCompressor } from './codec.ts';

/** The read-only corpus of real RPM files (../shared beside the project's root). */
export const CORPUS_DIR = resolve(import.meta.dirname, '../../../../shared/corpus/rpm');

/** Every corpus RPM file, sorted. */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR)
    .flatMap((sub) => readdirSync(join(CORPUS_DIR, sub)).map((f) => join(CORPUS_DIR, sub, f)))
    .filter((f) => f.endsWith('.rpm'))
    .sort();
}

/** Size of the header at `at`: 16 + 16 * index entries + data bytes. */
function headerSize(file: Buffer, at: number): number {
  if (file.readUInt32BE(at) !== 0x8eade801) throw new Error(`no header magic at ${at}`);
  return 16 + 16 * file.readUInt32BE(at + 8) + file.readUInt32BE(at + 12);
}

/** Offset of the payload: lead, signature header padded to 8, main header. */
export function payloadOffsetOf(path: string): number {
  const file = readFileSync(path);
  let at = 96;
  at += headerSize(file, at);
  at = Math.ceil(at / 8) * 8;
  return at + headerSize(file, at);
}

/** The PAYLOADCOMPRESSOR of an RPM file according to rpm (missing tag: gzip). */
export function compressorOf(path: string): PayloadCompressor {
  const r = run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', '%{PAYLOADCOMPRESSOR}', path]);
  const text = r.stdout.toString('utf8');
  return parseCompressor(text === '(none)' ? undefined : text);
}

/** Result of a finished command. */
export interface RunResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a command to completion. */
export function run(cmd: string, args: string[], options: { cwd?: string; input?: Buffer } = {}): RunResult {
  const r = spawnSync(cmd, args, { ...options, maxBuffer: Infinity });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** Runs a bash script with pipefail; `$1`… are `args`. */
export function sh(script: string, args: string[] = [], cwd?: string): RunResult {
  return run('bash', ['-o', 'pipefail', '-c', script, 'sh', ...args], cwd === undefined ? {} : { cwd });
}

/** A new empty temporary directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `distforge-payload-${prefix}-`));
}

/** What a snapshot records about one path. */
export interface NodeSnapshot {
  type: 'file' | 'directory' | 'symlink' | 'other';
  mode: number;
  size: number;
  mtime: number;
  ino: number;
  sha256?: string;
  target?: string;
}

/** Every path under `root` (relative, as binary strings) with its type, mode, contents hash… */
export function snapshotTree(root: string): Map<string, NodeSnapshot> {
  const out = new Map<string, NodeSnapshot>();
  const walk = (rel: string): void => {
    const abs = Buffer.from(rel === '' ? root : `${root}/${rel}`, 'latin1');
    for (const name of readdirSync(abs, { encoding: 'buffer' })) {
      const childRel = rel === '' ? name.toString('latin1') : `${rel}/${name.toString('latin1')}`;
      const path = Buffer.from(`${root}/${childRel}`, 'latin1');
      const st = lstatSync(path);
      const node: NodeSnapshot = { type: 'other', mode: st.mode & 0o7777, size: st.size, mtime: Math.floor(st.mtimeMs / 1000), ino: st.ino };
      if (st.isDirectory()) node.type = 'directory';
      else if (st.isSymbolicLink()) {
        node.type = 'symlink';
        node.target = readlinkSync(path, { encoding: 'buffer' }).toString('latin1');
      } else if (st.isFile()) {
        node.type = 'file';
        node.sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
      }
      out.set(childRel, node);
      if (st.isDirectory()) walk(childRel);
    }
  };
  walk('');
  return out;
}

/** The groups of paths (sorted) that share an inode, for comparing hard links across trees. */
export function hardLinkGroups(tree: Map<string, NodeSnapshot>): string[][] {
  const byIno = new Map<number, string[]>();
  for (const [rel, node] of tree) {
    if (node.type !== 'file') continue;
    byIno.set(node.ino, [...(byIno.get(node.ino) ?? []), rel]);
  }
  return [...byIno.values()].filter((g) => g.length > 1).map((g) => g.sort()).sort();
}

/** The rpm payload macros of the fixture packages, by the compressor they give. */
export const FIXTURE_PAYLOADS: ReadonlyArray<readonly [string, string]> = [
  ['gzip', 'w9.gzdio'],
  ['xz', 'w6.xzdio'],
  ['lzma', 'w6.lzdio'],
  ['zstd', 'w19.zstdio'],
  ['bzip2', 'w9.bzdio'],
  ['none', 'w.ufdio'],
];

const FIXTURE_SPEC = `Name: payloadtest
Version: 1
Release: 1
Summary: payload fixture
License: MIT
BuildArch: noarch
%description
Every kind of payload entry.
%install
d=%{buildroot}/opt/pt
mkdir -p $d/sub/deeper $d/ro
head -c 300000 /dev/urandom > $d/big.bin
echo hello > $d/sub/a.txt
: > $d/empty
printf 'linked\\n' > $d/h1
ln $d/h1 $d/h2
ln $d/h1 $d/sub/h3
ln -s sub/a.txt $d/rel-link
ln -s /etc/hostname $d/abs-link
echo suid > $d/suid
chmod 4755 $d/suid
echo x > "$d/with space"
echo y > "$d/caf\u00e9"
mkfifo $d/fifo
echo ro > $d/ro/file
chmod 555 $d/ro
%files
/opt/pt
%dev(c, 1, 3) /opt/ptdev
`;

/** Builds the fixture package once per payload compressor; returns [compressor, rpm path]. */
export function buildFixtureRpms(dir: string): Array<[string, string]> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'payloadtest.spec'), FIXTURE_SPEC);
  return FIXTURE_PAYLOADS.map(([compressor, macro]) => {
    const name = `payloadtest-${compressor}.rpm`;
    const r = run('rpmbuild', [
      '-bb', '--quiet',
      '--define', `_topdir ${dir}`,
      '--define', `_tmppath ${dir}/tmp`,
      '--define', `_binary_payload ${macro}`,
      '--define', '_buildshell /bin/bash',
      '--define', `_rpmfilename ${name}`,
      join(dir, 'payloadtest.spec'),
    ]);
    if (r.status !== 0) throw new Error(`rpmbuild failed: ${r.stderr}`);
    return [compressor, join(dir, 'RPMS', name)];
  });
}
