/**
 * Upstream tarballs from Debian's source packages, for tests that build real upstream projects
 * (examples/realistic). A Debian source package's `.orig.tar.*` (and its `.orig.tar.*.asc`, when
 * upstream signs releases) is the pristine upstream file, byte for byte, so a dist-git `sources`
 * file can name it by the hash upstream's own file has.
 *
 * `debianSource('hello')` runs `apt-get source --download-only --only-source hello` once into
 * .tmp/debian-sources/hello/ (kept between runs, ignored by git), checks every file against the
 * SHA256 the .dsc lists (apt itself checks the .dsc against the signed Sources index), and returns
 * the paths. Later calls, in this process or another, find the files there and check them again.
 * apt needs a `deb-src` entry: scripts/setup.sh adds one beside debian.sources (as root).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where fetched source packages are kept: ROOT/.tmp/debian-sources/NAME/. */
export const DEBIAN_SOURCES = resolve(import.meta.dirname, '../../.tmp/debian-sources');

/** One file of a source package, as its .dsc lists it. */
export interface DebianSourceFile {
  name: string;
  path: string;
  sha256: string;
  size: number;
}

/** A fetched and checked Debian source package. */
export interface DebianSource {
  /** The source package's name (`hello`). */
  name: string;
  /** Its Debian version (`2.10-3`). */
  version: string;
  /** The upstream version (`2.10`): the version without epoch and Debian revision. */
  upstreamVersion: string;
  dir: string;
  dsc: string;
  /** Every file the .dsc lists, checked against its SHA256. */
  files: DebianSourceFile[];
  /** The pristine upstream files: `NAME_VERSION.orig.tar.*` and their `.asc` signatures. */
  orig: DebianSourceFile[];
}

/** Thrown when apt cannot give the source package; the message says what to do. */
export class DebianSourceError extends Error {}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The fields of a .dsc (a signed deb822 paragraph) that matter here. */
function parseDsc(text: string): { source: string; version: string; files: { name: string; sha256: string; size: number }[] } {
  const body = text.replace(/^-----BEGIN PGP SIGNED MESSAGE-----\n(?:Hash: .*\n)*\n/, '').replace(/\n-----BEGIN PGP SIGNATURE-----[\s\S]*$/, '\n');
  const field = (name: string): string | undefined => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(body)?.[1]?.trim();
  const source = field('Source');
  const version = field('Version');
  const block = /^Checksums-Sha256:[ \t]*\n((?:[ \t]+.*\n?)+)/m.exec(body)?.[1];
  if (!source || !version || !block) throw new DebianSourceError('the .dsc lacks Source, Version or Checksums-Sha256');
  const files = block
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [hash, size, name] = l.split(/\s+/);
      if (!hash || !size || !name || !/^[0-9a-f]{64}$/.test(hash) || name.includes('/')) throw new DebianSourceError(`bad Checksums-Sha256 line in the .dsc: ${l}`);
      return { name, sha256: hash, size: Number(size) };
    });
  return { source, version, files };
}

/** Reads and checks the package in `dir`; undefined when it is missing or a file does not match. */
function readChecked(dir: string): DebianSource | undefined {
  if (!existsSync(dir)) return undefined;
  const dscName = readdirSync(dir).find((n) => n.endsWith('.dsc'));
  if (!dscName) return undefined;
  const dsc = join(dir, dscName);
  const parsed = parseDsc(readFileSync(dsc, 'utf8'));
  const files: DebianSourceFile[] = [];
  for (const f of parsed.files) {
    const path = join(dir, f.name);
    if (!existsSync(path) || sha256(path) !== f.sha256) return undefined;
    files.push({ ...f, path });
  }
  const upstreamVersion = parsed.version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
  const orig = files.filter((f) => /\.orig(-[A-Za-z0-9-]+)?\.tar\.[a-z0-9]+(\.asc)?$/.test(f.name));
  return { name: parsed.source, version: parsed.version, upstreamVersion, dir, dsc, files, orig };
}

/**
 * The Debian source package `name` (its candidate version in apt's lists), fetched into
 * DEBIAN_SOURCES/NAME unless it is there already; every file checked against the .dsc.
 * @throws DebianSourceError when apt cannot fetch it (no deb-src entry, unknown package) or a
 *   fetched file does not match the .dsc.
 */
export function debianSource(name: string, cacheDir = DEBIAN_SOURCES): DebianSource {
  if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) throw new DebianSourceError(`${name}: not a Debian source package name`);
  const dir = join(cacheDir, name);
  const cached = readChecked(dir);
  if (cached) return cached;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheDir, `.fetch-${name}-`));
  try {
    const r = spawnSync('apt-get', ['-o', 'APT::Sandbox::User=root', 'source', '--download-only', '--only-source', name], {
      cwd: tmp,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, LC_ALL: 'C' },
    });
    if (r.status !== 0) {
      const out = `${r.stderr ?? ''}${r.stdout ?? ''}${r.error ? String(r.error) : ''}`.trim();
      const hint = /deb-src/.test(out) ? ' (apt has no deb-src entry: run `bash scripts/setup.sh` as root, which adds one beside debian.sources and runs apt-get update)' : '';
      throw new DebianSourceError(`apt-get source --download-only ${name} failed${hint}: ${out.split('\n').slice(-3).join(' ')}`);
    }
    const got = readChecked(tmp);
    if (!got) throw new DebianSourceError(`${name}: a file apt-get source fetched does not match the SHA256 its .dsc lists`);
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another process put the same package in place first.
      if (!readChecked(dir)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const fetched = readChecked(dir);
  if (!fetched) throw new DebianSourceError(`${name}: the fetched package in ${dir} does not check`);
  return fetched;
}

/** The upstream file of `src` whose Debian name ends with `suffix` (`.orig.tar.gz.asc`). */
export function origFile(src: DebianSource, suffix: string): DebianSourceFile {
  const f = src.orig.find((o) => o.name.endsWith(suffix));
  if (!f) throw new DebianSourceError(`${src.name} ${src.version} has no upstream file ending with ${suffix} (it has ${src.orig.map((o) => o.name).join(', ')})`);
  return f;
}

/**
 * The upstream signing key Debian keeps in the package's `debian/upstream/signing-key.asc`
 * (what uscan checks the `.asc` against), taken out of the debian tarball once into the cache.
 */
export function upstreamSigningKey(src: DebianSource): string {
  const out = join(src.dir, `${src.name}_${src.upstreamVersion}.signing-key.asc`);
  if (existsSync(out)) return out;
  const tarball = src.files.find((f) => /\.debian\.tar\.[a-z0-9]+$/.test(f.name));
  if (!tarball) throw new DebianSourceError(`${src.name} ${src.version} has no debian tarball`);
  const r = spawnSync('tar', ['-xOf', tarball.path, 'debian/upstream/signing-key.asc'], { maxBuffer: 16 << 20 });
  if (r.status !== 0 || !r.stdout?.length) throw new DebianSourceError(`${src.name} ${src.version} has no debian/upstream/signing-key.asc: ${String(r.stderr ?? '').trim()}`);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, r.stdout);
  renameSync(tmp, out);
  return out;
}
