/**
 * The checks a release passes before it is committed (and again at commit), each reported per
 * package with a message a release engineer can act on:
 *
 * - placement: the package goes to a release repository that has its arch;
 * - signed: signed with a key the platform allows (the signed copy is what is published);
 * - checksum: the signed file in the store still has the sha256 the master recorded;
 * - tested: its test passed, where the platform gates on tests;
 * - new: its NEVRA is not in a target channel already (a re-release; `force` allows it);
 * - no-downgrade: no target channel has a newer EVR of it (`force` allows it);
 * - closure: every requirement is provided by the release repositories of its arch after the
 *   change, with the platform repositories named in `releases.dependencies` (src/repo's closure);
 * - advisory: each advisory of the plan covers only packages in the plan or already released;
 * - and for the plan as a whole: a key may sign the platform's metadata, and the platform has not
 *   reached its end of life.
 */
import { createReadStream, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Context } from '../context.ts';
import { platformLifecycleState } from '../platforms/lifecycle.ts';
import { PLATFORM_REPOS_PATH, platformReposDir } from '../platforms/repos-dir.ts';
import { buildArches, type Platform, type PlatformReleases } from '../platforms/types.ts';
import { ClosureChecker } from '../repo/closure/index.ts';
import type { RepoPackage } from '../repo/model.ts';
import { openRepository } from '../repo/read/index.ts';
import { compareEvr, nevra } from '../rpm/index.ts';
import { platformKeys } from '../signing/index.ts';
import { channelPath, releasedByName } from './content.ts';
import { channelsFor } from './placement.ts';
import { soakChecks } from './promote.ts';
import { releasesDb, type ReleasePackageRow, type ReleaseRow } from './schema.ts';

export type CheckName = 'placement' | 'signed' | 'checksum' | 'tested' | 'new' | 'no-downgrade' | 'closure' | 'advisory' | 'key' | 'lifecycle' | 'content' | 'soak';

export interface CheckResult {
  /** The package's NEVRA; null for a check of the whole plan. */
  package: string | null;
  check: CheckName;
  ok: boolean;
  message: string;
  /** A failure `--force` allows (new, no-downgrade, soak). */
  forceable?: boolean;
  /** The advisory an `advisory` check is about. */
  advisory?: string;
}

/** What the errata domain tells about an advisory of a plan. */
export interface AdvisoryFacts {
  /** null when the advisory may be released (approved or released, of this platform), else why not. */
  problem: string | null;
  /** The packages (NEVRAs) it covers. */
  packages: string[];
}

export type AdvisoryLookup = (ctx: Context, platform: string, id: string) => Promise<AdvisoryFacts>;

/** A package of the plan with what the checks found about it. */
export interface CheckedPackage {
  row: ReleasePackageRow;
  nevra: string;
  channels: { repo: string; channel: string }[];
  /** The signed copy to publish (with an allowed key), or null. */
  signed: { sha256: string; keyid: string; size: number; signedAt: number } | null;
  /** The unsigned original's sha256 (its metadata is indexed by it). */
  originalSha256: string;
  /** The task that built it. */
  taskId: number;
}

export interface CheckReport {
  checks: CheckResult[];
  packages: CheckedPackage[];
  /** Every check passed (with `force`, forceable failures count as passed). */
  ok: boolean;
}

export interface CheckOptions {
  /** Re-hash every signed file in the store (commit does; a plan shown may rely on the last hash of an unchanged file). */
  rehash?: boolean;
  force?: boolean;
  advisories: AdvisoryLookup;
}

/** Hashes of store files already computed, by path, size and mtime. */
const hashed = new Map<string, string>();

async function sha256Of(ctx: Context, sha256: string, rehash: boolean): Promise<string | null> {
  const path = ctx.store.localPath(sha256);
  let stream: Readable;
  let key = '';
  if (path !== null) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return null;
    key = `${path}\0${st.size}\0${st.mtimeMs}`;
    const known = hashed.get(key);
    if (known !== undefined && !rehash) return known;
    stream = createReadStream(path);
  } else {
    if (!(await ctx.store.has(sha256))) return null;
    stream = ctx.store.open(sha256);
  }
  const h = createHash('sha256');
  for await (const chunk of stream) h.update(chunk as Buffer);
  const digest = h.digest('hex');
  if (key) hashed.set(key, digest);
  return digest;
}

/** The plan's packages with their artifact, task and signed copy. */
async function packagesOf(ctx: Context, release: ReleaseRow, platform: Platform, keys: readonly string[]): Promise<CheckedPackage[]> {
  const db = releasesDb(ctx);
  const rows = await db
    .selectFrom('release_packages as p')
    .innerJoin('artifacts as a', 'a.id', 'p.artifact_id')
    .selectAll('p')
    .select(['a.sha256 as original_sha256', 'a.task_id'])
    .where('p.release_id', '=', release.id)
    .orderBy('p.id')
    .execute();
  const signatures = rows.length === 0 || keys.length === 0 ? [] : await db
    .selectFrom('signatures')
    .select(['artifact_id', 'sha256', 'keyid', 'size', 'signed_at'])
    .where('artifact_id', 'in', rows.map((r) => r.artifact_id))
    .where('keyid', 'in', keys)
    .orderBy('signed_at')
    .orderBy('id')
    .execute();
  const signedBy = new Map(signatures.map((s) => [s.artifact_id, { sha256: s.sha256, keyid: s.keyid, size: s.size, signedAt: s.signed_at }]));
  return rows.map(({ original_sha256, task_id, ...row }) => ({
    row,
    nevra: nevra(row),
    channels: channelsFor(platform, JSON.parse(row.repos) as string[], row.kind, row.arch).channels,
    signed: signedBy.get(row.artifact_id) ?? null,
    originalSha256: original_sha256,
    taskId: task_id,
  }));
}

/** The newest test task of each rpm task, by rpm task id. */
async function newestTests(ctx: Context, rpmTaskIds: readonly number[]): Promise<Map<number, { id: number; state: string; reason: string | null }>> {
  const out = new Map<number, { id: number; state: string; reason: string | null }>();
  for (let i = 0; i < rpmTaskIds.length; i += 500) {
    const rows = await releasesDb(ctx)
      .selectFrom('tasks as t')
      .innerJoin('task_dependencies as d', 'd.task_id', 't.id')
      .select(['t.id', 't.state', 't.failure_reason', 'd.depends_on'])
      .where('t.kind', '=', 'test')
      .where('d.depends_on', 'in', rpmTaskIds.slice(i, i + 500))
      .orderBy('t.id')
      .execute();
    for (const r of rows) out.set(r.depends_on, { id: r.id, state: r.state, reason: r.failure_reason });
  }
  return out;
}

function packageChecks(p: CheckedPackage, platform: Platform, tests: Map<number, { id: number; state: string; reason: string | null }>, keys: readonly string[]): CheckResult[] {
  const out: CheckResult[] = [];
  const at = p.nevra;
  const repos = JSON.parse(p.row.repos) as string[];
  const { missing } = channelsFor(platform, repos, p.row.kind, p.row.arch);
  if (repos.length === 0) {
    // A debuginfo package or SRPM whose binary packages are all dropped is simply not released.
    if (p.row.kind === 'binary') out.push({ package: at, check: 'placement', ok: false, message: p.row.reason });
    return out;
  }
  out.push(
    missing.length > 0
      ? { package: at, check: 'placement', ok: false, message: `${missing.join(', ')}: no such release repository or arch (${p.row.reason})` }
      : { package: at, check: 'placement', ok: true, message: `${p.channels.map(channelPath).join(', ')} (${p.row.reason})` },
  );
  out.push(
    p.signed
      ? { package: at, check: 'signed', ok: true, message: `signed with key ${p.signed.keyid}` }
      : { package: at, check: 'signed', ok: false, message: `not signed with a key platform ${platform.name} allows (${keys.join(', ') || 'none allowed'}): distforge build sign ${p.row.build_id}` },
  );
  if (platform.tests?.gate && p.row.kind !== 'source') {
    const t = tests.get(p.taskId);
    out.push(
      !t
        ? { package: at, check: 'tested', ok: false, message: `platform ${platform.name} releases only tested packages, and rpm task ${p.taskId} has no test: distforge build test ${p.row.build_id}` }
        : t.state === 'succeeded'
          ? { package: at, check: 'tested', ok: true, message: `test task ${t.id} passed` }
          : { package: at, check: 'tested', ok: false, message: `test task ${t.id} ${t.state === 'failed' ? `failed: ${t.reason ?? ''}` : `is ${t.state}`}` },
    );
  }
  return out;
}

async function checksumChecks(ctx: Context, packages: readonly CheckedPackage[], rehash: boolean): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const p of packages) {
    if (!p.signed || p.channels.length === 0) continue;
    const got = await sha256Of(ctx, p.signed.sha256, rehash);
    out.push(
      got === p.signed.sha256
        ? { package: p.nevra, check: 'checksum', ok: true, message: `sha256 ${got} as recorded` }
        : { package: p.nevra, check: 'checksum', ok: false, message: got === null ? `the store has no file ${p.signed.sha256}` : `the store's file has sha256 ${got}, the master recorded ${p.signed.sha256}` },
    );
  }
  return out;
}

/** Re-release and downgrade checks against what the target channels hold. */
async function contentChecks(ctx: Context, platform: string, packages: readonly CheckedPackage[]): Promise<CheckResult[]> {
  const placed = packages.filter((p) => p.channels.length > 0);
  const released = await releasedByName(ctx, platform, [...new Set(placed.map((p) => p.row.name))]);
  const out: CheckResult[] = [];
  for (const p of placed) {
    const targets = new Set(p.channels.map(channelPath));
    const here = released.filter((r) => r.name === p.row.name && r.arch === p.row.arch && targets.has(channelPath(r)));
    const same = here.filter((r) => nevra(r) === p.nevra);
    out.push(
      same.length > 0
        ? { package: p.nevra, check: 'new', ok: false, forceable: true, message: `already released in ${[...new Set(same.map(channelPath))].join(', ')} (release ${same[0]?.releaseId ?? '?'}); --force releases it again` }
        : { package: p.nevra, check: 'new', ok: true, message: 'not released before' },
    );
    const newer = here.filter((r) => compareEvr(r, p.row) > 0);
    const top = newer.sort((a, b) => compareEvr(b, a))[0];
    out.push(
      top
        ? { package: p.nevra, check: 'no-downgrade', ok: false, forceable: true, message: `${channelPath(top)} has the newer ${nevra(top)}; --force releases the older one beside it` }
        : { package: p.nevra, check: 'no-downgrade', ok: true, message: 'no newer version released' },
    );
  }
  return out;
}

/** A dependency repository of the platform, read for `arch` (a repository this master serves is read from its directory). */
async function dependencyPackages(ctx: Context, platform: Platform, releases: PlatformReleases, arch: string): Promise<{ name: string; packages: RepoPackage[] }[]> {
  const out: { name: string; packages: RepoPackage[] }[] = [];
  for (const name of releases.dependencies) {
    const repo = platform.repositories.find((r) => r.name === name);
    if (!repo || (repo.arches && !repo.arches.includes(arch as (typeof repo.arches)[number]))) continue;
    const url = repo.url.replaceAll('$basearch', arch);
    const location = url.startsWith(PLATFORM_REPOS_PATH) ? join(platformReposDir(ctx), url.slice(PLATFORM_REPOS_PATH.length)) : url;
    const packages: RepoPackage[] = [];
    for await (const p of (await openRepository(location)).packages({ other: false })) packages.push(p);
    out.push({ name, packages });
  }
  return out;
}

/** Metadata of indexed RPMs by original sha256. */
async function metadataOf(ctx: Context, sha256s: readonly string[]): Promise<Map<string, RepoPackage>> {
  const out = new Map<string, RepoPackage>();
  for (let i = 0; i < sha256s.length; i += 500) {
    const rows = await releasesDb(ctx).selectFrom('rpm_packages').select(['sha256', 'metadata']).where('sha256', 'in', sha256s.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.sha256, JSON.parse(r.metadata) as RepoPackage);
  }
  return out;
}

/** Closure of each arch's release channels after the change, for the plan's packages. */
async function closureChecks(ctx: Context, platform: Platform, releases: PlatformReleases, packages: readonly CheckedPackage[]): Promise<CheckResult[]> {
  const binary = packages.filter((p) => p.row.kind !== 'source' && p.channels.length > 0);
  if (binary.length === 0) return [];
  const planMeta = await metadataOf(ctx, binary.map((p) => p.originalSha256));
  const unresolved = new Map<string, string[]>();
  const problems: CheckResult[] = [];
  for (const arch of buildArches(platform)) {
    const mine = binary.filter((p) => p.channels.some((c) => c.channel === arch || c.channel === `${arch}/debug`));
    if (mine.length === 0) continue;
    const checker = new ClosureChecker({ arch });
    const current = await releasesDb(ctx)
      .selectFrom('channel_packages as c')
      .innerJoin('artifacts as a', 'a.id', 'c.artifact_id')
      .select(['a.sha256'])
      .where('c.platform', '=', platform.name)
      .where('c.channel', 'in', [arch, `${arch}/debug`])
      .execute();
    for (const m of (await metadataOf(ctx, [...new Set(current.map((c) => c.sha256))])).values()) checker.add(m, 'released');
    try {
      for (const dep of await dependencyPackages(ctx, platform, releases, arch)) for (const m of dep.packages) checker.add(m, `repository ${dep.name}`);
    } catch (e) {
      problems.push({ package: null, check: 'closure', ok: false, message: `cannot read the platform's dependency repositories for ${arch}: ${(e as Error).message}` });
      continue;
    }
    for (const p of mine) {
      const m = planMeta.get(p.originalSha256);
      if (m) checker.add(m, `plan:${p.nevra}`);
    }
    for (const u of checker.check()) {
      if (!u.repo.startsWith('plan:')) continue;
      const key = u.repo.slice(5);
      unresolved.set(key, [...new Set([...(unresolved.get(key) ?? []), ...u.unresolved.map((d) => (buildArches(platform).length > 1 ? `${d} (${arch})` : d))])]);
    }
  }
  return [
    ...problems,
    ...binary.map((p): CheckResult => {
      const missing = unresolved.get(p.nevra);
      return missing
        ? { package: p.nevra, check: 'closure', ok: false, message: `requires ${missing.join(', ')}, which nothing in the release repositories${releases.dependencies.length ? ` or ${releases.dependencies.join(', ')}` : ''} provides` }
        : { package: p.nevra, check: 'closure', ok: true, message: 'every requirement is provided' };
    }),
  ];
}

async function advisoryChecks(ctx: Context, release: ReleaseRow, packages: readonly CheckedPackage[], lookup: AdvisoryLookup): Promise<CheckResult[]> {
  const ids = await releasesDb(ctx).selectFrom('release_advisories').select('advisory_id').where('release_id', '=', release.id).orderBy('advisory_id').execute();
  const planned = new Set(packages.filter((p) => p.channels.length > 0).map((p) => p.nevra));
  const out: CheckResult[] = [];
  for (const { advisory_id: id } of ids) {
    const facts = await lookup(ctx, release.platform, id);
    if (facts.problem) {
      out.push({ package: null, advisory: id, check: 'advisory', ok: false, message: facts.problem });
      continue;
    }
    const outside = facts.packages.filter((n) => !planned.has(n));
    const released = new Set((await releasedByName(ctx, release.platform, [...new Set(outside.map((n) => /^(.+)-[^-]+-[^-]+$/.exec(n)?.[1] ?? n))])).map((r) => nevra(r)));
    const unknown = outside.filter((n) => !released.has(n));
    out.push(
      unknown.length > 0
        ? { package: null, advisory: id, check: 'advisory', ok: false, message: `${id} covers ${unknown.join(', ')}, which is neither in this release nor released` }
        : { package: null, advisory: id, check: 'advisory', ok: true, message: `${id}: its ${facts.packages.length} package(s) are in this release or released` },
    );
  }
  return out;
}

/** Runs every check of a release. */
export async function checkRelease(ctx: Context, release: ReleaseRow, platform: Platform & { releases: PlatformReleases }, options: CheckOptions): Promise<CheckReport> {
  const keys = await platformKeys(ctx, platform.name);
  const packages = await packagesOf(ctx, release, platform, keys);
  const checks: CheckResult[] = [];
  checks.push(
    keys.length > 0
      ? { package: null, check: 'key', ok: true, message: `key ${keys[0] ?? ''} signs the repositories' metadata` }
      : { package: null, check: 'key', ok: false, message: `no key may sign platform ${platform.name}: an admin allows one (distforge key allow KEYID --platform ${platform.name})` },
  );
  const eol = platform.lifecycle?.endOfSecuritySupport;
  if (eol !== undefined) {
    checks.push(
      platformLifecycleState(platform, ctx.now()) === 'end-of-life'
        ? { package: null, check: 'lifecycle', ok: false, message: `platform ${platform.name} reached its end of life on ${eol}: it takes no new releases` }
        : { package: null, check: 'lifecycle', ok: true, message: `security support until ${eol}` },
    );
  }
  const advisoryCount = await releasesDb(ctx).selectFrom('release_advisories').select('advisory_id').where('release_id', '=', release.id).execute();
  if (packages.length === 0 && advisoryCount.length === 0 && (JSON.parse(release.republish) as string[]).length === 0) checks.push({ package: null, check: 'content', ok: false, message: 'the release has no packages, no advisories and no repository to republish' });
  const tests = platform.tests?.gate ? await newestTests(ctx, [...new Set(packages.map((p) => p.taskId))]) : new Map();
  for (const p of packages) checks.push(...packageChecks(p, platform, tests, keys));
  checks.push(...(await checksumChecks(ctx, packages, options.rehash ?? false)));
  checks.push(...(await soakChecks(ctx, release, platform.releases, packages)));
  checks.push(...(await contentChecks(ctx, platform.name, packages)));
  checks.push(...(await closureChecks(ctx, platform, platform.releases, packages)));
  checks.push(...(await advisoryChecks(ctx, release, packages, options.advisories)));
  const ok = checks.every((c) => c.ok || (options.force === true && c.forceable === true));
  return { checks, packages, ok };
}

/** The failed checks as lines for an error message (at most `max`). */
export function failureLines(checks: readonly CheckResult[], force: boolean, max = 20): string {
  const failed = checks.filter((c) => !c.ok && !(force && c.forceable));
  const lines = failed.slice(0, max).map((c) => `${c.package ?? c.advisory ?? 'release'}: ${c.check}: ${c.message}`);
  if (failed.length > max) lines.push(`… and ${failed.length - max} more`);
  return lines.join('\n');
}
