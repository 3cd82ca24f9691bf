/**
 * The repodata reader against real tools: createrepo_c writes repositories of the RPM corpus (gzip,
 * xz and bzip2 metadata; zstd recompressed from them, as this createrepo_c cannot write it), and
 * what we read must equal what dnf repoquery reads from the same repodata (NEVRA, location,
 * provides, requires, conflicts, obsoletes) and what rpm -qp says of the RPM files (pkgId, sizes,
 * descriptions, weak dependencies, files, changelogs). The same repository is read over HTTP, and
 * damaged copies must fail with a one-line RepoReadError naming the file.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { RepoReadError } from '../../src/repo/errors.ts';
import type { RepoDependency, RepoPackage } from '../../src/repo/model.ts';
import { openRepository } from '../../src/repo/read/index.ts';
import { readPackageSync } from '../../src/rpm/package.ts';
import { CORPUS_RPMS } from '../support/corpus.ts';
import { rpmRecord } from '../support/rpm-oracle.ts';

/** createrepo_c's default `--changelog-limit`. */
const CHANGELOG_LIMIT = 10;

let work: string;
let pkgDir: string;
/** Repository roots by metadata compression. */
const repos: Record<string, string> = {};

function createrepo(compress: string): string {
  const out = join(work, `repo-${compress}`);
  mkdirSync(out);
  execFileSync('createrepo_c', ['--no-database', `--general-compress-type=${compress}`, '--outputdir', out, pkgDir], { stdio: 'ignore' });
  return out;
}

/** A copy of the gzip repository with its three files recompressed by `zstd`, repomd.xml updated. */
function zstdRepo(): string {
  const from = repos.gz ?? '';
  const out = join(work, 'repo-zstd');
  mkdirSync(join(out, 'repodata'), { recursive: true });
  let repomd = readFileSync(join(from, 'repodata', 'repomd.xml'), 'utf8');
  for (const name of readdirSync(join(from, 'repodata')).filter((f) => f.endsWith('.xml.gz'))) {
    const gz = readFileSync(join(from, 'repodata', name));
    const zst = execFileSync('zstd', ['-q', '-c', '-3'], { input: gunzipSync(gz) });
    const oldSum = createHash('sha256').update(gz).digest('hex');
    const newSum = createHash('sha256').update(zst).digest('hex');
    const newName = name.replace(oldSum, newSum).replace(/\.gz$/, '.zst');
    writeFileSync(join(out, 'repodata', newName), zst);
    repomd = repomd
      .replace(`<checksum type="sha256">${oldSum}</checksum>`, `<checksum type="sha256">${newSum}</checksum>`)
      .replace(`repodata/${name}`, `repodata/${newName}`)
      .replace(new RegExp(`(repodata/${newName}"/>\\s*<timestamp>\\d+</timestamp>\\s*<size>)${gz.length}<`), `$1${zst.length}<`);
  }
  writeFileSync(join(out, 'repodata', 'repomd.xml'), repomd);
  return out;
}

/** What dnf repoquery reads from a repository, by location href. */
interface DnfRecord {
  nevra: string;
  provides: string[];
  requires: string[];
  conflicts: string[];
  obsoletes: string[];
  summary: string;
  description: string;
  license: string;
  url: string;
}

function dnfRecords(root: string): Map<string, DnfRecord> {
  const fields = ['provides', 'requires', 'conflicts', 'obsoletes', 'summary', 'description', 'license', 'url'] as const;
  const qf = `@@%{location}\t%{name}-%{epoch}:%{version}-%{release}.%{arch}\n${fields.map((f) => `%{${f}}`).join('\n##\n')}`;
  const out = execFileSync(
    'dnf',
    [
      'repoquery',
      '-q',
      '--releasever=9',
      `--setopt=cachedir=${join(work, 'dnf-cache')}`,
      '--setopt=reposdir=/dev/null',
      '--disableplugin=*',
      `--installroot=${join(work, 'dnf-root')}`,
      `--repofrompath=t,file://${root}`,
      '--repo=t',
      '--qf',
      qf,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const records = new Map<string, DnfRecord>();
  for (const block of out.split('@@').slice(1)) {
    const [head = '', ...rest] = block.split('\n');
    const [location = '', nevra = ''] = head.split('\t');
    const lists = rest.join('\n').split('\n##\n');
    const list = (i: number): string[] =>
      (lists[i] ?? '')
        .split('\n')
        .filter((x) => x !== '')
        .sort();
    // dnf prints "(none)" for an empty value.
    const text = (i: number): string => none(lists[i] ?? '');
    records.set(location, {
      nevra,
      provides: list(0),
      requires: list(1),
      conflicts: list(2),
      obsoletes: list(3),
      summary: text(4),
      description: text(5),
      license: text(6),
      url: none((lists[7] ?? '').replace(/\n$/, '')),
    });
  }
  return records;
}

const OPS: Record<string, string> = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' };

/** A dependency as dnf and rpm print it: `name op [epoch:]version[-release]`, epoch 0 left out. */
function formatDep(d: RepoDependency): string {
  if (d.flags === null) return d.name;
  const epoch = d.epoch && d.epoch !== '0' ? `${d.epoch}:` : '';
  return `${d.name} ${OPS[d.flags] ?? '?'} ${epoch}${d.version ?? ''}${d.release ? `-${d.release}` : ''}`;
}

/**
 * Whether the text of a package's header is UTF-8. createrepo_c converts other text (as Latin-1,
 * dropping some characters), so then only dnf, reading the same repodata, can judge it.
 */
function headerIsUtf8(file: string): boolean {
  const qf = '%{SUMMARY}%{DESCRIPTION}%{PACKAGER}%{VENDOR}%{LICENSE}%{GROUP}%{URL}%{BUILDHOST}[%{CHANGELOGNAME}%{CHANGELOGTEXT}][%{FILENAMES}]';
  return isUtf8(execFileSync('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', qf, file], { stdio: ['ignore', 'pipe', 'ignore'] }));
}

const sortedDeps = (deps: RepoDependency[]): string[] => [...new Set(deps.map(formatDep))].sort();
const none = (s: string): string => (s === '(none)' ? '' : s);

async function readAll(location: string): Promise<Map<string, RepoPackage>> {
  const source = await openRepository(location);
  const out = new Map<string, RepoPackage>();
  for await (const p of source.packages()) out.set(p.location.href, p);
  return out;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'distforge-read-createrepo-'));
  pkgDir = join(work, 'pkgs');
  mkdirSync(pkgDir);
  for (const f of CORPUS_RPMS) copyFileSync(f, join(pkgDir, basename(f)));
  for (const c of ['gz', 'xz', 'bz2']) repos[c] = createrepo(c);
  repos.zstd = zstdRepo();
});
after(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('reading createrepo_c repositories of the corpus', () => {
  let dnf: Map<string, DnfRecord>;
  before(() => {
    dnf = dnfRecords(repos.gz ?? '');
    assert.ok(dnf.size >= CORPUS_RPMS.length - 2, `dnf sees ${dnf.size} packages`);
  });

  for (const compress of ['gz', 'xz', 'bz2', 'zstd']) {
    test(`${compress} metadata agrees with dnf repoquery and rpm -qp`, async () => {
      const root = repos[compress] ?? '';
      const ext = { gz: '.gz', xz: '.xz', bz2: '.bz2', zstd: '.zst' }[compress];
      assert.ok(readdirSync(join(root, 'repodata')).some((f) => f.endsWith(`primary.xml${ext}`)));
      const ours = await readAll(root);
      assert.deepEqual([...ours.keys()].sort(), [...dnf.keys()].sort(), 'the same packages');
      for (const [href, p] of ours) {
        const d = dnf.get(href);
        assert.ok(d);
        assert.equal(`${p.name}-${p.epoch}:${p.version}-${p.release}.${p.arch}`, d.nevra, href);
        assert.deepEqual(sortedDeps(p.provides), d.provides, `${href} provides`);
        assert.deepEqual(sortedDeps(p.requires), d.requires, `${href} requires`);
        assert.deepEqual(sortedDeps(p.conflicts), d.conflicts, `${href} conflicts`);
        assert.deepEqual(sortedDeps(p.obsoletes), d.obsoletes, `${href} obsoletes`);
        assert.deepEqual([p.summary, p.description, p.license, p.url], [d.summary, d.description, d.license, d.url], `${href} texts`);

        const file = join(pkgDir, href);
        const rpm = rpmRecord(file);
        assert.equal(p.pkgId, createHash('sha256').update(readFileSync(file)).digest('hex'), `${href} pkgId`);
        assert.equal(p.checksumType, 'sha256');
        assert.equal(p.size.package, statSync(file).size, `${href} package size`);
        assert.equal(p.time.file, Math.floor(statSync(file).mtimeMs / 1000), `${href} file time`);
        const [start, end] = readPackageSync(file).headerRange;
        assert.deepEqual(p.headerRange, { start, end }, `${href} header range`);
        assert.equal(String(p.size.installed), rpm.size, `${href} installed size`);
        assert.equal(String(p.time.build), none(String(rpm.buildtime)) || '0', `${href} build time`);
        if (!headerIsUtf8(file)) continue; // text converted by createrepo_c: judged by dnf above
        const scalars = { summary: p.summary, description: p.description, license: p.license, url: p.url, vendor: p.vendor, packager: p.packager, group: p.group, buildhost: p.buildhost };
        for (const [k, v] of Object.entries(scalars)) assert.equal(v, none(String(rpm[k])), `${href} ${k}`);
        assert.equal(p.sourcerpm, p.arch === 'src' ? '' : none(String(rpm.sourcerpm)), `${href} sourcerpm`);
        for (const k of ['recommends', 'suggests', 'supplements', 'enhances'] as const) {
          assert.deepEqual(sortedDeps(p[k]), [...new Set(rpm[k] as string[])].sort(), `${href} ${k}`);
        }
        // Files: every path in header order; a directory is "dir", a ghost file "ghost".
        const files = (rpm.files as string[]).map((line) => {
          const [path = '', mode = '0', , , flags = '0'] = line.split('\t');
          const dir = (Number(mode) & 0o170000) === 0o040000;
          return { path, type: dir ? 'dir' : Number(flags) & 64 ? 'ghost' : 'file' };
        });
        assert.deepEqual(p.files, files, `${href} files`);
        // Changelogs: createrepo_c keeps the newest entries, oldest first, and makes the times of
        // entries with the same time distinct by adding a second each.
        const changelogs = (rpm.changelog as string[])
          .slice(0, CHANGELOG_LIMIT)
          .reverse()
          .map((line) => {
            const [date = '0', author = '', ...text] = line.split('\t');
            return { author, date: Number(date), text: text.join('\t') };
          });
        for (let i = 1, original = changelogs[0]?.date; i < changelogs.length; i++) {
          const c = changelogs[i];
          const prev = changelogs[i - 1];
          if (!c || !prev) continue;
          const date = c.date;
          if (date === original) c.date = prev.date + 1;
          original = date;
        }
        assert.deepEqual(p.changelogs, changelogs, `${href} changelogs`);
      }
    });
  }

  test('advisories and comps added with modifyrepo_c', async () => {
    const root = join(work, 'repo-modified');
    execFileSync('cp', ['-r', repos.gz ?? '', root]);
    const updateinfo = join(work, 'updateinfo.xml');
    writeFileSync(
      updateinfo,
      `<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="errata@example.org" status="final" type="enhancement" version="1">
    <id>EX-2026:1</id>
    <title>Archer enhancement</title>
    <issued date="2026-01-01 00:00:00"/>
    <updated date="2026-01-02 00:00:00"/>
    <severity>Low</severity>
    <description>Better.</description>
    <references><reference href="https://example.org/1" id="1" type="bugzilla" title="one"/></references>
    <pkglist><collection short="ex"><name>Example</name>
      <package name="Archer" version="3.4.5" release="6" epoch="2" arch="x86_64"><filename>Archer-3.4.5-6.x86_64.rpm</filename></package>
    </collection></pkglist>
  </update>
</updates>
`,
    );
    const comps = join(work, 'comps.xml');
    writeFileSync(comps, '<?xml version="1.0"?>\n<comps><group><id>core</id><name>Core</name></group></comps>\n');
    execFileSync('modifyrepo_c', ['--mdtype=updateinfo', updateinfo, join(root, 'repodata')], { stdio: 'ignore' });
    execFileSync('modifyrepo_c', ['--mdtype=group', comps, join(root, 'repodata')], { stdio: 'ignore' });
    const source = await openRepository(root);
    const advisories = [];
    for await (const a of source.advisories()) advisories.push(a);
    assert.equal(advisories.length, 1);
    assert.equal(advisories[0]?.id, 'EX-2026:1');
    assert.equal(advisories[0]?.issued, '2026-01-01 00:00:00');
    assert.deepEqual(advisories[0]?.collections[0]?.packages.map((p) => p.filename), ['Archer-3.4.5-6.x86_64.rpm']);
    assert.equal((await source.raw('group'))?.toString(), readFileSync(comps, 'utf8'));
  });
});

describe('reading createrepo_c repositories over HTTP', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      const path = join(work, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      let size: number;
      try {
        const s = statSync(path);
        if (!s.isFile() || !path.startsWith(work)) throw new Error('not a file');
        size = s.size;
      } catch {
        res.writeHead(404, 'Not Found');
        res.end();
        return;
      }
      res.writeHead(200, { 'content-length': String(size) });
      createReadStream(path).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('by URL, the same packages as from the directory', async () => {
    assert.deepEqual(await readAll(`${base}/repo-xz/`), await readAll(repos.xz ?? ''));
  });

  test('a URL with nothing listening', async () => {
    const idle = createServer();
    await new Promise<void>((resolve) => idle.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(idle.address() as AddressInfo).port}/repo/`;
    await new Promise<void>((resolve) => idle.close(() => resolve()));
    await assert.rejects(openRepository(url), (err) => err instanceof RepoReadError && err.message === `${url}: cannot fetch repodata/repomd.xml: connection refused`);
  });

  test('a URL that is not a repository', async () => {
    await assert.rejects(
      openRepository(`${base}/pkgs/`),
      (err) => err instanceof RepoReadError && err.message === `${base}/pkgs/: cannot fetch repodata/repomd.xml: HTTP 404 Not Found`,
    );
  });
});

describe('damaged createrepo_c repositories', () => {
  /** A copy of the gzip repository, and the path of its primary.xml.gz. */
  function damagedCopy(name: string): { root: string; primary: string } {
    const root = join(work, name);
    execFileSync('cp', ['-r', repos.gz ?? '', root]);
    const primary = readdirSync(join(root, 'repodata')).find((f) => f.endsWith('primary.xml.gz')) ?? '';
    return { root, primary: join(root, 'repodata', primary) };
  }

  async function failsNaming(root: string, file: string, message: RegExp): Promise<void> {
    await assert.rejects(readAll(root), (err) => {
      assert.ok(err instanceof RepoReadError, String(err));
      assert.equal(err.file, file);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  }

  test('a truncated primary.xml.gz', async () => {
    const { root, primary } = damagedCopy('truncated');
    const bytes = readFileSync(primary);
    writeFileSync(primary, bytes.subarray(0, bytes.length - 100));
    await failsNaming(root, primary, /size mismatch: repomd\.xml says \d+ bytes, the file has \d+/);
  });

  test('a bit-flipped primary.xml.gz', async () => {
    const { root, primary } = damagedCopy('flipped');
    const bytes = readFileSync(primary);
    const at = bytes.length >> 1;
    bytes[at] = (bytes[at] ?? 0) ^ 0x04;
    writeFileSync(primary, bytes);
    await failsNaming(root, primary, /cannot decompress \(gzip\)|checksum mismatch/);
  });

  test('repomd.xml pointing at a missing file', async () => {
    const { root, primary } = damagedCopy('missing');
    rmSync(primary);
    await failsNaming(root, primary, /: no such file$/);
  });
});
