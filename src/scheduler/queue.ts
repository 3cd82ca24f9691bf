/**
 * The queue as operators see it (GET /api/v1/queue, the web UI's nodes page): per arch and kind,
 * how many tasks wait for their dependencies (blocked), wait for a node (queued) and run (leased),
 * since when the oldest queued one waits, and which enabled nodes take them; every running task
 * with its node, package, attempt and lease; and when a node counts as stale.
 *
 * Cost: only tasks that have not ended are read, however many builds the master keeps. The
 * counts are one range per waiting state of an index that starts with the state (tasks_lease on
 * both databases as planned today; tasks_queue would do as well), so they grow with the backlog,
 * not with history; the running tasks are one range of tasks_lease or of the partial
 * tasks_leased_node, at most as many as the nodes' capacity. (bench/queue.ts measures it at
 * 100,000 builds, with and without a mass rebuild's backlog, and prints both databases' plans.)
 *
 * Terminology:
 * - last seen: `nodes.last_seen_at`, set when a node says hello or takes a lease, and when it asks
 *   for work or heartbeats a task (those at most every {@link SEEN_EVERY_MS}).
 * - stale: a node not seen for longer than {@link staleAfterMs}: an idle node asks for work at
 *   least every {@link MAX_LEASE_WAIT_SECONDS} s, a working one heartbeats each task every third
 *   of the lease, so a node silent for longer has stopped (or cannot reach the master).
 */
import type { Kysely } from 'kysely';
import type { Context } from '../context.ts';
import type { Database, TaskKind } from '../db/schema.ts';
import { taskKindsFor } from './capabilities.ts';
import { ANY_NODE_ARCHES } from './lease.ts';
import { MAX_LEASE_WAIT_SECONDS, SEEN_EVERY_MS, servedArches, servedCapabilities } from './nodes.ts';

/** Tasks of one arch and kind that have not ended. */
export interface QueueRow {
  arch: string;
  kind: TaskKind;
  /** Waiting for the tasks they depend on. */
  blocked: number;
  /** Waiting for a node. */
  queued: number;
  /** Leased by a node. */
  running: number;
  /** When the longest-waiting queued task was queued (ms); null when none is queued. */
  oldestQueuedAt: number | null;
  /** The enabled nodes that take tasks of this arch and kind (what an admin granted them and they
   * advertised), by name; empty: nothing will run them. */
  nodes: string[];
}

/** A task a node is running. */
export interface CurrentTask {
  id: number;
  kind: TaskKind;
  arch: string;
  platform: string;
  /** The build it belongs to, or null for a release's task. */
  buildId: number | null;
  /** The release a sign-repo task signs, else null. */
  releaseId: number | null;
  /** The source package's name, once known (null for a release's task). */
  package: string | null;
  /** The node holding the lease. */
  node: string;
  attempt: number;
  maxAttempts: number;
  /** When the node leased it (ms). */
  startedAt: number | null;
  /** When the lease runs out unless the node heartbeats (ms). */
  leaseExpiresAt: number | null;
}

export interface QueueView {
  /** The master's clock (ms): ages and staleness are relative to it, not to the reader's clock. */
  now: number;
  /** How long a lease lasts without a heartbeat. */
  leaseMs: number;
  /** A node not seen for longer than this is stale. */
  staleAfterMs: number;
  /** Per arch and kind with any task not ended, by arch then kind. */
  queue: QueueRow[];
  totals: { blocked: number; queued: number; running: number };
  /** Every leased task, by node name, then oldest first. */
  currentTasks: CurrentTask[];
}

/** How long a node may stay silent before it is stale (see the module comment). */
export function staleAfterMs(leaseMs: number): number {
  return Math.max(leaseMs, MAX_LEASE_WAIT_SECONDS * 1000) + SEEN_EVERY_MS;
}

const KIND_ORDER: readonly TaskKind[] = ['srpm', 'rpm', 'test', 'sign', 'sign-repo'];

/** Tasks waiting (blocked or queued) per arch, kind and state, with the oldest queue time. (Exported
 * for bench/queue.ts, which prints its plan.) */
export function waitingCountsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('tasks')
    .select((eb) => ['arch', 'kind', 'state', eb.fn.countAll<number | string>().as('n'), eb.fn.min('queued_at').as('oldest')])
    .where('state', 'in', ['blocked', 'queued'])
    .groupBy(['arch', 'kind', 'state']);
}

/** Every leased task with its node and package. (Exported for bench/queue.ts.) */
export function leasedTasksQuery(db: Kysely<Database>) {
  return db
    .selectFrom('tasks as t')
    .leftJoin('nodes as n', 'n.id', 't.leased_by')
    .leftJoin('build_items as i', 'i.id', 't.item_id')
    .select([
      't.id', 't.kind', 't.arch', 't.platform', 't.build_id', 't.release_id', 't.leased_by', 't.attempt', 't.max_attempts', 't.started_at', 't.lease_expires_at',
      'n.name as node_name', 'i.name as package',
    ])
    .where('t.state', '=', 'leased');
}

/** The queue now (see the module comment). */
export async function queueView(ctx: Context): Promise<QueueView> {
  const db = ctx.db.kysely;
  const [waiting, leased, nodes] = await Promise.all([
    waitingCountsQuery(db).execute(),
    leasedTasksQuery(db).execute(),
    db.selectFrom('nodes').select(['name', 'enabled', 'arches', 'capabilities', 'advertised_arches', 'advertised_capabilities']).orderBy('name').execute(),
  ]);

  const rows = new Map<string, QueueRow>();
  const row = (arch: string, kind: TaskKind): QueueRow => {
    const key = `${arch}\0${kind}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { arch, kind, blocked: 0, queued: 0, running: 0, oldestQueuedAt: null, nodes: [] }));
    return r;
  };
  for (const w of waiting) {
    const r = row(w.arch, w.kind);
    if (w.state === 'queued') {
      r.queued = Number(w.n);
      r.oldestQueuedAt = w.oldest === null ? null : Number(w.oldest);
    } else r.blocked = Number(w.n);
  }
  const currentTasks: CurrentTask[] = leased.map((t) => ({
    id: t.id,
    kind: t.kind,
    arch: t.arch,
    platform: t.platform,
    buildId: t.build_id,
    releaseId: t.release_id,
    package: t.package,
    node: t.node_name ?? `node ${t.leased_by ?? '?'}`,
    attempt: t.attempt,
    maxAttempts: t.max_attempts,
    startedAt: t.started_at,
    leaseExpiresAt: t.lease_expires_at,
  }));
  currentTasks.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0) || (a.startedAt ?? 0) - (b.startedAt ?? 0) || a.id - b.id);
  for (const t of currentTasks) row(t.arch, t.kind).running++;

  // Which enabled nodes take each row's tasks: as the lease decides (lease.ts), by what they serve.
  const serving = nodes
    .filter((n) => n.enabled === 1)
    .map((n) => ({ name: n.name, arches: new Set([...servedArches(n), ...ANY_NODE_ARCHES]), kinds: new Set(taskKindsFor(servedCapabilities(n))) }));
  const queue = [...rows.values()].sort((a, b) => (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  for (const r of queue) r.nodes = serving.filter((n) => n.arches.has(r.arch) && n.kinds.has(r.kind)).map((n) => n.name);

  const totals = { blocked: 0, queued: 0, running: 0 };
  for (const r of queue) {
    totals.blocked += r.blocked;
    totals.queued += r.queued;
    totals.running += r.running;
  }
  return { now: ctx.now(), leaseMs: ctx.settings.leaseMs, staleAfterMs: staleAfterMs(ctx.settings.leaseMs), queue, totals, currentTasks };
}
