/**
 * The build root a node recorded for an srpm or rpm task (its result's `buildroot`): the root
 * cache key, every package installed in the root with its sha256, and the repositories with the
 * checksum of the metadata they were installed from — Koji's buildroot listing, and the lock
 * file a rebuild with the same package set installs from. A node is not trusted to be sane: the
 * record is checked and bounded, and dropped when malformed.
 */
import type { Context } from '../context.ts';
import { buildsDb } from './schema.ts';

/** A task's build root, as `build show --json` lists it. */
export interface BuildrootView {
  key: string;
  packages: { nevra: string; sha256: string | null }[];
  repos: { url: string; checksum: string }[];
}

const MAX_PACKAGES = 50_000;
const MAX_REPOS = 100;
const HEX64 = /^[0-9a-f]{64}$/;
const NEVRA = /^[A-Za-z0-9_.+^~:-]{3,512}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The record in a task's result (JSON text), or null when there is none or it is malformed. */
export function parseBuildroot(result: string | null): BuildrootView | null {
  let r: unknown;
  try {
    r = result === null ? null : JSON.parse(result);
  } catch {
    return null;
  }
  const b = isRecord(r) ? r.buildroot : undefined;
  if (!isRecord(b) || typeof b.key !== 'string' || !HEX64.test(b.key)) return null;
  if (!Array.isArray(b.packages) || b.packages.length > MAX_PACKAGES || !Array.isArray(b.repos) || b.repos.length > MAX_REPOS) return null;
  const packages: BuildrootView['packages'] = [];
  for (const p of b.packages) {
    if (!isRecord(p) || typeof p.nevra !== 'string' || !NEVRA.test(p.nevra)) return null;
    if (p.sha256 !== null && (typeof p.sha256 !== 'string' || !HEX64.test(p.sha256))) return null;
    packages.push({ nevra: p.nevra, sha256: p.sha256 });
  }
  const repos: BuildrootView['repos'] = [];
  for (const x of b.repos) {
    if (!isRecord(x) || typeof x.url !== 'string' || x.url.length > 2048 || typeof x.checksum !== 'string' || !HEX64.test(x.checksum)) return null;
    repos.push({ url: x.url, checksum: x.checksum });
  }
  return { key: b.key, packages, repos };
}

/**
 * The package set a task of a rebuild with the same build roots installs: the NEVRAs its
 * counterpart (same item position, kind, platform and arch) in the build it repeats recorded;
 * null when the build asked for none, or the counterpart recorded none.
 */
export async function buildrootLockFor(
  ctx: Context,
  task: { id: number; kind: string; platform: string; arch: string },
  known?: { buildroot_from: number | null; position: number | null },
): Promise<string[] | null> {
  if (task.kind !== 'srpm' && task.kind !== 'rpm') return null;
  const db = buildsDb(ctx);
  // `known`: the task's build's buildroot_from and its item's position, when the caller read them.
  const mine = known ?? (await db
    .selectFrom('tasks as t')
    .innerJoin('builds as b', 'b.id', 't.build_id')
    .innerJoin('build_items as i', 'i.id', 't.item_id')
    .select(['b.buildroot_from', 'i.position'])
    .where('t.id', '=', task.id)
    .executeTakeFirst());
  if (!mine || mine.buildroot_from === null || mine.position === null) return null;
  const theirs = await db
    .selectFrom('tasks as t')
    .innerJoin('build_items as i', 'i.id', 't.item_id')
    .select('t.result')
    .where('t.build_id', '=', mine.buildroot_from)
    .where('i.position', '=', mine.position)
    .where('t.kind', '=', task.kind as 'srpm' | 'rpm')
    .where('t.platform', '=', task.platform)
    .where('t.arch', '=', task.arch)
    .where('t.state', '=', 'succeeded')
    .orderBy('t.id', 'desc')
    .executeTakeFirst();
  const record = parseBuildroot(theirs?.result ?? null);
  return record ? record.packages.map((p) => p.nevra) : null;
}
