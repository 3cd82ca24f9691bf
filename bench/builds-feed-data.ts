/**
 * The builds feed bench's data: N builds as a master that has run for years holds them, written
 * straight into the tables in batches (no HTTP, no scheduler), each row as the master's own code
 * writes it (the RPM index and artifact_packages as src/scheduler/artifacts.ts does, signatures and
 * builds.signed_at as src/signing does).
 *
 * Shape, per build (deterministic from the seed): 1 item (85 %), 2–4 (12 %) or 5–12 (3 %), each a
 * source package from a pool of 4,000 names rebuilt over and over with rising releases; platforms
 * el9 (60 %), el8 (25 %), el10 (10 %) or el8 + el9 (5 %); per item and platform an srpm task and an
 * rpm task per arch (x86_64 and aarch64; also ppc64le and s390x for one build in five; one noarch
 * task for a noarch package), each task with a log artifact, each srpm and rpm artifact indexed
 * (2–3 binary packages per rpm task: NAME, NAME-devel, sometimes NAME-libs). States: the newest
 * builds pending and running, then succeeded (80 %), failed (14 %: the failed task uploads only its
 * log) and cancelled (6 %). Half of the succeeded builds older than the newest thousand are signed
 * (a sign task per item and platform, a signature per package); four in ten of those are in a
 * release of 100 builds (most released, some reverted, some still planned). 90 % are public;
 * owners: a git-service bot 60 %, 40 maintainers the rest. File hashes rise with the file (so
 * that a million rows go into the sha256 indexes at their end); the rest is random.
 */
import { sql, type Kysely } from 'kysely';
import type { Context } from '../src/context.ts';
import { packageSearchKey } from '../src/scheduler/index.ts';
import { prng } from '../test/support/prng.ts';

/** Loose row types: the bench writes many tables of several domains directly. */
type Row = Record<string, string | number | null>;
type AnyDb = Kysely<Record<string, Row>>;

const ADJ = ['lib', 'py', 'perl-', 'golang-', 'rust-', 'ghc-', 'nodejs-', 'texlive-', 'xorg-x11-', 'qt5-', 'gnome-', 'kde-', '', '', '', '', '', ''];
const WORDS = [
  'acl', 'attr', 'audit', 'bash', 'bind', 'binutils', 'bzip2', 'ca', 'cairo', 'chrony', 'cmake', 'coreutils', 'cpio', 'cracklib', 'cronie', 'curl', 'cyrus', 'dbus', 'dhcp', 'diffutils',
  'dnf', 'dracut', 'e2fs', 'elf', 'expat', 'file', 'findutils', 'firewalld', 'flex', 'fontconfig', 'freetype', 'gawk', 'gcc', 'gdbm', 'gettext', 'git', 'glib', 'glibc', 'gmp', 'gnupg',
  'gnutls', 'gpgme', 'grep', 'grub', 'gzip', 'harfbuzz', 'httpd', 'icu', 'iproute', 'iptables', 'jansson', 'json', 'kbd', 'kernel', 'keyutils', 'kmod', 'krb5', 'less', 'libarchive', 'libcap',
  'lua', 'lvm2', 'lz4', 'make', 'mariadb', 'mdadm', 'mpfr', 'ncurses', 'net', 'nettle', 'nginx', 'nspr', 'nss', 'numactl', 'openldap', 'openssh', 'openssl', 'p11', 'pam', 'pango',
  'patch', 'pcre', 'pixman', 'pkgconf', 'policycoreutils', 'popt', 'postfix', 'procps', 'psmisc', 'python', 'readline', 'rpm', 'rsync', 'sed', 'selinux', 'shadow', 'sqlite', 'sudo', 'systemd', 'tar',
  'tcl', 'tk', 'tzdata', 'unbound', 'util', 'vim', 'wget', 'which', 'xz', 'yum', 'zlib', 'zstd',
];
const SUFFIX = ['', '', '', '2', '3', '-utils', '-tools', '-extras', '-common', '-devel-docs', '-client', '-server', 'xx', 'mm', '-ng', '-compat'];

/** What the bench searches for and filters by: real values of the generated set. */
export interface FeedFacts {
  builds: number;
  rows: Record<string, number>;
  owners: string[];
  /** A binary package NEVRA of one build in the middle of the set, and that build. */
  sampleNevra: string;
  sampleNevraBuild: number;
  /** A source package name rebuilt many times. */
  samplePackage: string;
  sampleRef: string;
}

/** A content hash for the n-th file: rising (see the top), padded with random digits. */
function fileHash(rand: () => number, n: number): string {
  return n.toString(16).padStart(12, '0') + hex(rand, 52);
}

function hex(rand: () => number, n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

/** The pool of source package names. */
function packageNames(rand: () => number, n: number): string[] {
  const out = new Set<string>();
  while (out.size < n) {
    const w = WORDS[Math.floor(rand() * WORDS.length)] ?? 'x';
    out.add(`${ADJ[Math.floor(rand() * ADJ.length)] ?? ''}${w}${SUFFIX[Math.floor(rand() * SUFFIX.length)] ?? ''}${out.size % 7 === 0 ? '' : String(out.size % 97)}`);
  }
  return [...out];
}

/** Inserts `rows` into `table` in batches that stay under both databases' parameter limits. */
async function insertAll(db: AnyDb, table: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const per = Math.max(1, Math.floor(30_000 / Object.keys(rows[0] ?? { a: 1 }).length));
  for (let i = 0; i < rows.length; i += per) await db.insertInto(table).values(rows.slice(i, i + per)).execute();
}

const PLATFORM_SETS: [number, string[]][] = [
  [60, ['el9']],
  [25, ['el8']],
  [10, ['el10']],
  [5, ['el8', 'el9']],
];
const DIST: Record<string, string> = { el8: '.el8', el9: '.el9', el10: '.el10' };

function pick<T>(rand: () => number, weighted: [number, T][]): T {
  let r = rand() * 100;
  for (const [w, v] of weighted) {
    if (r < w) return v;
    r -= w;
  }
  return (weighted[weighted.length - 1] as [number, T])[1];
}

/**
 * Writes `n` builds (with their items, tasks, artifacts, indexed packages, signatures and
 * releases) into the empty database of `ctx`; returns what to look for in them.
 */
export async function fillFeedData(ctx: Context, n: number, seed = 15): Promise<FeedFacts> {
  const db = ctx.db.kysely as unknown as AnyDb;
  const rand = prng(seed);
  const start = Date.UTC(2023, 0, 1);
  const names = packageNames(rand, 4000);
  const versions = new Map<string, { version: string; release: number }>();
  const rows: Record<string, number> = {};
  const count = (table: string, k: number): void => {
    rows[table] = (rows[table] ?? 0) + k;
  };

  const ownerNames = ['albs-bot', ...Array.from({ length: 40 }, (_v, i) => `maint${String(i + 1).padStart(2, '0')}`)];
  await insertAll(db, 'users', ownerNames.map((name, i) => ({ id: i + 1, name, role: 'maintainer', created_at: start })));
  await insertAll(db, 'nodes', [{ id: 1, name: 'builder1', arches: '["x86_64","aarch64"]', capabilities: '["build"]', max_concurrency: 4, enabled: 1, created_at: start }, { id: 2, name: 'signer1', arches: '["noarch"]', capabilities: '["sign"]', max_concurrency: 4, enabled: 1, created_at: start }]);
  await insertAll(db, 'signing_keys', [{ keyid: 'ABCDEF0123456789', fingerprint: 'F'.repeat(40), algorithm: 'rsa4096', user_ids: '["bench"]', public_key: 'bench', key_created_at: start, node_id: 2, registered_at: start }]);

  let itemId = 0;
  let taskId = 0;
  let artifactId = 0;
  let signatureId = 0;
  let releaseId = 0;
  let releaseBatch: number[] = [];
  let sampleNevra = '';
  let sampleNevraBuild = 0;
  const refOf = new Map<string, number>();
  const CHUNK = 2000;
  for (let from = 1; from <= n; from += CHUNK) {
    const t: Record<string, Row[]> = { builds: [], build_items: [], tasks: [], artifacts: [], rpm_packages: [], artifact_packages: [], signatures: [], releases: [], release_builds: [] };
    for (let id = from; id < Math.min(n + 1, from + CHUNK); id++) {
      const age = n - id;
      const created = start + id * 30_000;
      const state = age < 40 ? 'pending' : age < 300 ? 'running' : pick(rand, [[80, 'succeeded'], [14, 'failed'], [6, 'cancelled']] as [number, string][]);
      const ended = state === 'succeeded' || state === 'failed' || state === 'cancelled';
      const platforms = pick(rand, PLATFORM_SETS);
      const owner = rand() < 0.6 ? 1 : 2 + Math.floor(rand() * 40);
      const itemCount = pick(rand, [[85, 1], [12, 2 + Math.floor(rand() * 3)], [3, 5 + Math.floor(rand() * 8)]] as [number, number][]);
      const signed = state === 'succeeded' && age > 1000 && rand() < 0.5;
      const extraArches = rand() < 0.2;
      t.builds?.push({
        id, owner_id: owner, state, priority: 0, platforms: JSON.stringify(platforms), explicit_order: 0, public: rand() < 0.9 ? 1 : 0,
        created_at: created, finished_at: ended ? created + 600_000 : null, failure_reason: null, rebuild_of: null, repo_key: hex(rand, 32), buildroot_from: null,
        signed_at: signed ? created + 800_000 : null,
      });
      const failingItem = state === 'failed' ? Math.floor(rand() * itemCount) : -1;
      for (let position = 0; position < itemCount; position++) {
        const item = ++itemId;
        const name = names[Math.floor(Math.pow(rand(), 1.6) * names.length)] ?? 'x';
        const v = versions.get(name) ?? { version: `${1 + Math.floor(rand() * 9)}.${Math.floor(rand() * 30)}.${Math.floor(rand() * 10)}`, release: 0 };
        v.release += 1;
        versions.set(name, v);
        const noarch = name.startsWith('py') || name.startsWith('perl-') || name.startsWith('texlive-') || rand() < 0.05;
        const branch = platforms[0] === 'el8' ? 'c8' : platforms[0] === 'el10' ? 'c10s' : 'c9';
        const gitRef = rand() < 0.7 ? `imports/${branch}/${name}-${v.version}-${v.release}${DIST[platforms[0] ?? 'el9'] ?? ''}` : rand() < 0.5 ? branch : `a${branch.slice(1)}`;
        refOf.set(gitRef, (refOf.get(gitRef) ?? 0) + 1);
        t.build_items?.push({
          id: item, build_id: id, position, kind: 'git', git_url: `https://git.almalinux.org/rpms/${name}.git`, git_ref: gitRef, git_commit: hex(rand, 40),
          srpm_sha256: null, name, depends_on: '[]', spec_path: `SPECS/${name}.spec`, build_requires: '[]', provides: '[]',
        });
        const packageArtifacts: { id: number; sha256: string; platform: string }[] = [];
        for (const platform of platforms) {
          const dist = DIST[platform] ?? '';
          const nvr = `${v.version}-${v.release}${dist}`;
          const itemFails = position === failingItem;
          const srpmTask = ++taskId;
          const srpmState = !ended && rand() < 0.5 ? 'leased' : state === 'cancelled' && position > 0 ? 'cancelled' : 'succeeded';
          const task = (tid: number, kind: string, arch: string, tstate: string): Row => ({
            id: tid, build_id: id, item_id: item, release_id: null, kind, platform, arch, state: tstate, priority: 0, owner_id: owner, leased_by: tstate === 'leased' ? 1 : null,
            lease_expires_at: null, attempt: 1, max_attempts: 3, created_at: created, queued_at: created, started_at: created + 1000, finished_at: tstate === 'succeeded' || tstate === 'failed' ? created + 500_000 : null,
            failure_reason: tstate === 'failed' ? 'rpmbuild exited with status 1' : null, result: null,
          });
          t.tasks?.push(task(srpmTask, 'srpm', 'src', srpmState));
          const addArtifact = (tid: number, fileName: string, kind: string, pkg?: { name: string; arch: string }): void => {
            const aid = ++artifactId;
            const sha256 = fileHash(rand, aid);
            t.artifacts?.push({ id: aid, task_id: tid, name: fileName, kind, sha256, size: 10_000 + Math.floor(rand() * 1_000_000), created_at: created + 400_000 });
            if (pkg) {
              const rpm = { name: pkg.name, epoch: name.length % 11 === 0 ? 1 : null, version: v.version, release: `${v.release}${dist}`, arch: pkg.arch };
              t.rpm_packages?.push({ sha256, ...rpm, sourcerpm: pkg.arch === 'src' ? null : `${name}-${nvr}.src.rpm`, metadata: '{"bench":true}', created_at: created + 400_000 });
              // As src/scheduler/artifacts.ts records it.
              const nevra = `${rpm.name}-${rpm.epoch ? `${rpm.epoch}:` : ''}${rpm.version}-${rpm.release}.${rpm.arch}`;
              t.artifact_packages?.push({ artifact_id: aid, build_id: id, key: packageSearchKey(rpm), name: rpm.name, epoch: rpm.epoch, nevra });
              packageArtifacts.push({ id: aid, sha256, platform });
            }
          };
          addArtifact(srpmTask, 'build.log', 'log');
          if (srpmState !== 'succeeded') continue;
          addArtifact(srpmTask, `${name}-${nvr}.src.rpm`, 'srpm', { name, arch: 'src' });
          const arches = noarch ? ['noarch'] : extraArches ? ['x86_64', 'aarch64', 'ppc64le', 's390x'] : ['x86_64', 'aarch64'];
          for (const [k, arch] of arches.entries()) {
            const rpmTask = ++taskId;
            const tstate = itemFails && k === arches.length - 1 ? 'failed' : !ended ? (rand() < 0.5 ? 'queued' : 'leased') : state === 'cancelled' && k > 0 ? 'cancelled' : state === 'failed' && !itemFails ? (rand() < 0.5 ? 'succeeded' : 'cancelled') : 'succeeded';
            t.tasks?.push(task(rpmTask, 'rpm', arch, tstate));
            addArtifact(rpmTask, 'build.log', 'log');
            if (tstate !== 'succeeded') continue;
            const subs = [name, `${name}-devel`, ...(name.length % 3 === 0 ? [`${name}-libs`] : [])];
            for (const sub of subs) addArtifact(rpmTask, `${sub}-${nvr}.${arch}.rpm`, 'rpm', { name: sub, arch });
            if (id === Math.floor(n / 2) && sampleNevra === '') {
              sampleNevra = `${name}-devel-${name.length % 11 === 0 ? '1:' : ''}${nvr}.${arch}`;
              sampleNevraBuild = id;
            }
          }
        }
        // As src/signing requests them: a sign task per item and platform, a signature per package.
        for (const platform of signed ? platforms : []) {
          const signTask = ++taskId;
          t.tasks?.push({
            id: signTask, build_id: id, item_id: item, release_id: null, kind: 'sign', platform, arch: 'noarch', state: 'succeeded', priority: 0, owner_id: owner,
            leased_by: null, lease_expires_at: null, attempt: 1, max_attempts: 3, created_at: created + 700_000, queued_at: created + 700_000, started_at: created + 700_000, finished_at: created + 800_000, failure_reason: null, result: null,
          });
          for (const a of packageArtifacts.filter((x) => x.platform === platform)) {
            t.signatures?.push({ id: ++signatureId, artifact_id: a.id, sign_task_id: signTask, keyid: 'ABCDEF0123456789', original_sha256: a.sha256, sha256: fileHash(rand, 0x800000000000 + signatureId), size: 20_000, signed_at: created + 800_000, node_id: 2 });
          }
        }
      }
      if (signed && rand() < 0.4) {
        releaseBatch.push(id);
        if (releaseBatch.length === 100) {
          const rid = ++releaseId;
          const rstate = rid % 10 === 0 ? 'reverted' : rid % 17 === 0 ? 'planned' : 'released';
          t.releases?.push({
            id: rid, platform: platforms[0] ?? 'el9', state: rstate, note: null, forced: 0, created_by: 2, created_at: created, updated_at: created, committed_by: rstate === 'planned' ? null : 2,
            committed_at: rstate === 'planned' ? null : created, released_at: rstate === 'planned' ? null : created, reverted_by: rstate === 'reverted' ? 2 : null, reverted_at: rstate === 'reverted' ? created : null,
            sign_task_id: null, failure_reason: null, republish: '[]', promote_from: null,
          });
          for (const b of releaseBatch) t.release_builds?.push({ release_id: rid, build_id: b });
          releaseBatch = [];
        }
      }
    }
    await db.transaction().execute(async (trx) => {
      for (const table of ['builds', 'build_items', 'tasks', 'artifacts', 'rpm_packages', 'artifact_packages', 'signatures', 'releases', 'release_builds']) {
        const list = t[table] ?? [];
        await insertAll(trx, table, list);
        count(table, list.length);
      }
    });
  }
  if (ctx.db.dialect === 'postgres') {
    for (const table of ['users', 'nodes', 'builds', 'build_items', 'tasks', 'artifacts', 'signatures', 'releases']) {
      await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), (SELECT max(id) FROM ${sql.table(table)}))`.execute(db);
    }
  }
  const popular = [...versions.entries()].sort((a, b) => b[1].release - a[1].release)[0]?.[0] ?? 'bash';
  const ref = [...refOf.entries()].filter(([r]) => r.startsWith('imports/')).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'c9';
  return { builds: n, rows, owners: ownerNames, sampleNevra, sampleNevraBuild, samplePackage: popular, sampleRef: ref };
}
