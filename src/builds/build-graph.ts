/**
 * A build's order on one platform, from what its srpm tasks found out on the nodes. The master
 * never evaluates a spec (a spec's macros run code): each srpm task reports, with its SRPM, the
 * package's name, BuildRequires and Provides, found in the node's sandbox
 * (src/node/builders/spec-facts.ts). Once every srpm task of the platform has ended, the item
 * graph (dep-graph.ts) is worked out from those facts; items on a cycle are named with it.
 * A build in explicit order keeps the order given at submit.
 *
 * Terminology:
 * - item facts: name, BuildRequires, Provides (and the spec's path) an srpm task reported.
 * - platform graph: for each item, the items of the build it waits for on that platform.
 */
import type { Context } from '../context.ts';
import { cyclicItems, itemGraph, reasonOf, type GraphItem } from './dep-graph.ts';
import { buildsDb, jsonArray } from './schema.ts';

/** What an srpm task reported about its package. */
export interface ItemFacts {
  packageName: string;
  buildRequires: string[];
  provides: string[];
  specPath: string | null;
}

/** Bounds on what a node may report (a node is not trusted to be sane). */
const MAX_ENTRIES = 20_000;
const MAX_TEXT = 4096;
const PACKAGE_NAME = /^[A-Za-z0-9_.+-][A-Za-z0-9_.+~^-]{0,255}$/;

/** Whether `s` holds a control character (C0 or DEL). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function stringList(v: unknown): string[] | null {
  if (!Array.isArray(v) || v.length > MAX_ENTRIES) return null;
  if (!v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= MAX_TEXT && !hasControl(x))) return null;
  return [...new Set(v as string[])];
}

/** The facts in an srpm task's result (JSON text), or null when it holds none (or malformed ones). */
export function parseItemFacts(result: string | null): ItemFacts | null {
  let r: unknown;
  try {
    r = result === null ? null : JSON.parse(result);
  } catch {
    return null;
  }
  if (typeof r !== 'object' || r === null) return null;
  const { packageName, buildRequires, provides, specPath } = r as Record<string, unknown>;
  if (typeof packageName !== 'string' || !PACKAGE_NAME.test(packageName)) return null;
  const br = stringList(buildRequires);
  const prov = stringList(provides);
  if (br === null || prov === null) return null;
  const path = typeof specPath === 'string' && specPath.length <= MAX_TEXT && !hasControl(specPath) ? specPath : null;
  return { packageName, buildRequires: br, provides: prov, specPath: path };
}

/**
 * Records what a succeeded srpm task reported on its item: the package's real name, spec path,
 * and BuildRequires and Provides merged with other platforms'. Joins the caller's transaction.
 */
export async function recordItemFacts(ctx: Context, task: { id: number; item_id: number }): Promise<void> {
  const db = buildsDb(ctx);
  const row = await db.selectFrom('tasks').select('result').where('id', '=', task.id).executeTakeFirst();
  const facts = parseItemFacts(row?.result ?? null);
  if (facts === null) return;
  const item = await db.selectFrom('build_items').select(['build_requires', 'provides', 'spec_path']).where('id', '=', task.item_id).executeTakeFirstOrThrow();
  const merge = (known: string | null, more: string[]): string => JSON.stringify([...new Set([...jsonArray(known), ...more])]);
  await db
    .updateTable('build_items')
    .set({
      name: facts.packageName,
      spec_path: item.spec_path ?? facts.specPath,
      build_requires: merge(item.build_requires, facts.buildRequires),
      provides: merge(item.provides, facts.provides),
    })
    .where('id', '=', task.item_id)
    .execute();
}

/** The build's order on one platform, once known. */
export type PlatformGraph =
  | { known: false }
  | {
      known: true;
      /** Item id → the item ids it waits for. */
      deps: Map<number, number[]>;
      /** Item id → why it waits for each (`libgreet (BuildRequires: libgreet-devel >= 1.0)`). */
      why: Map<number, string[]>;
      /** Item id → the cycle it is on, by package name (`a → b → a`). */
      cycles: Map<number, string[]>;
    };

/**
 * The order of build `buildId` on `platform`: the one given (explicit order), or the one the
 * srpm tasks' facts make once every srpm task of the platform has ended (until then, unknown).
 * An item whose srpm task failed, or reported nothing, provides nothing to the others.
 */
export async function platformGraph(ctx: Context, buildId: number, platform: string): Promise<PlatformGraph> {
  const db = buildsDb(ctx);
  const build = await db.selectFrom('builds').select('explicit_order').where('id', '=', buildId).executeTakeFirstOrThrow();
  const items = await db.selectFrom('build_items').select(['id', 'name', 'depends_on']).where('build_id', '=', buildId).orderBy('position').execute();
  if (build.explicit_order === 1) {
    const deps = new Map(items.map((i) => [i.id, jsonArray<number>(i.depends_on)]));
    const names = new Map(items.map((i) => [i.id, i.name ?? '?']));
    const why = new Map(items.map((i) => [i.id, jsonArray<number>(i.depends_on).map((d) => `${names.get(d) ?? '?'} (explicit order)`)]));
    return { known: true, deps, why, cycles: new Map() };
  }
  const srpms = await db
    .selectFrom('tasks')
    .select(['item_id', 'state', 'result'])
    .where('build_id', '=', buildId)
    .where('kind', '=', 'srpm')
    .where('platform', '=', platform)
    .$narrowType<{ item_id: number }>()
    .execute();
  if (srpms.some((t) => t.state === 'blocked' || t.state === 'queued' || t.state === 'leased')) return { known: false };
  const known: { itemId: number; item: GraphItem }[] = [];
  for (const t of srpms) {
    const facts = t.state === 'succeeded' ? parseItemFacts(t.result) : null;
    if (facts) known.push({ itemId: t.item_id, item: { name: facts.packageName, buildRequires: facts.buildRequires, provides: facts.provides } });
  }
  known.sort((a, b) => a.itemId - b.itemId);
  const graph = itemGraph(known.map((k) => k.item));
  const idOf = (i: number): number => known[i]?.itemId ?? -1;
  const deps = new Map<number, number[]>(items.map((i) => [i.id, []]));
  const why = new Map<number, string[]>(items.map((i) => [i.id, []]));
  graph.forEach((ds, i) => {
    const x = known[i];
    if (x === undefined) return;
    deps.set(x.itemId, ds.map(idOf));
    why.set(x.itemId, ds.map((d) => {
      const y = known[d]?.item;
      const reason = y ? reasonOf(x.item, y) : null;
      return `${y?.name ?? '?'}${reason ? ` (BuildRequires: ${reason})` : ''}`;
    }));
  });
  const cycles = new Map<number, string[]>();
  for (const [i, path] of cyclicItems(graph)) cycles.set(idOf(i), path.map((p) => known[p]?.item.name ?? '?'));
  return { known: true, deps, why, cycles };
}
