/**
 * Node bookkeeping: what a node says it serves when it starts (`helloNode`, from POST /node/hello)
 * and when it was last heard from (`last_seen_at`: set by its hello and each lease it takes, and
 * by its requests for work and its heartbeats at most every {@link SEEN_EVERY_MS};
 * src/scheduler/queue.ts says when a silent node is stale).
 *
 * Terminology:
 * - granted: the arches and capabilities an admin gave the node (`nodes.arches`,
 *   `nodes.capabilities`; POST and PATCH /nodes). Only an admin changes them.
 * - advertised: what the node said in its last hello (`advertised_arches`,
 *   `advertised_capabilities`; null before its first hello).
 * - served: what the node gets tasks for: the granted lists narrowed to what it advertised. A hello
 *   may narrow, never widen; `noarch` (and `src`) tasks go to any node whatever it advertises.
 */
import type { Context } from '../context.ts';
import type { Node } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { parseCapabilities, parseStringList } from './capabilities.ts';
import { NotGrantedError } from './errors.ts';

/** What a node serves. */
export interface NodeOffer {
  arches: string[];
  capabilities: string[];
  maxConcurrency: number;
}

/** What a hello ends with: the node, what it serves, and what it asked for but was not granted. */
export interface HelloOutcome {
  node: Node;
  arches: string[];
  capabilities: string[];
  notGranted: { arches: string[]; capabilities: string[] };
}

/** How stale last_seen_at may get while a node polls an empty queue or heartbeats its tasks (a
 * write every request would cost more than the mark is worth). */
export const SEEN_EVERY_MS = 10_000;

/** The longest a node's lease request may wait for work (POST /node/lease?wait=S): an idle node
 * asks again at least this often. */
export const MAX_LEASE_WAIT_SECONDS = 60;

/** Arches a node takes tasks of whether or not it lists them. */
const IMPLIED_ARCHES = ['noarch', 'src'];

/** `granted` narrowed to `advertised` (all of `granted` when the node has not advertised anything yet). */
function narrowed(granted: string[], advertised: string | null): string[] {
  if (advertised === null) return granted;
  const asked = new Set(parseStringList(advertised));
  return granted.filter((g) => asked.has(g));
}

/** The arches the admin granted a node ([] when the column is not a JSON array of strings). */
export function nodeArches(node: Pick<Node, 'arches'>): string[] {
  return parseStringList(node.arches);
}

/** The arches a node gets tasks of: granted and advertised (noarch and src go to any node anyway). */
export function servedArches(node: Pick<Node, 'arches' | 'advertised_arches'>): string[] {
  return narrowed(nodeArches(node), node.advertised_arches);
}

/** The capabilities a node gets tasks for: granted and advertised. */
export function servedCapabilities(node: Pick<Node, 'capabilities' | 'advertised_capabilities'>): string[] {
  return narrowed(parseCapabilities(node.capabilities), node.advertised_capabilities);
}

/**
 * A node says hello: records what it advertises, its concurrency and that it was seen now. The
 * grant is never changed: the node serves the granted arches and capabilities it advertised, and
 * learns what it asked for beyond them (`notGranted`).
 * @throws NotFoundError when there is no such node; NotGrantedError (403, nothing recorded) when
 * none of the capabilities it advertises is granted.
 */
export async function helloNode(ctx: Context, nodeId: number, offer: NodeOffer): Promise<HelloOutcome> {
  const current = await ctx.db.kysely.selectFrom('nodes').select(['name', 'arches', 'capabilities']).where('id', '=', nodeId).executeTakeFirst();
  if (!current) throw new NotFoundError(`node ${nodeId} does not exist`);
  const advertised = { advertised_arches: JSON.stringify(offer.arches), advertised_capabilities: JSON.stringify(offer.capabilities) };
  const capabilities = servedCapabilities({ capabilities: current.capabilities, ...advertised });
  const grantedArches = nodeArches(current);
  const grantedCapabilities = parseCapabilities(current.capabilities);
  const notGranted = {
    arches: offer.arches.filter((a) => !grantedArches.includes(a) && !IMPLIED_ARCHES.includes(a)),
    capabilities: offer.capabilities.filter((c) => !grantedCapabilities.includes(c)),
  };
  if (capabilities.length === 0) throw new NotGrantedError(current.name, offer.capabilities, grantedCapabilities);
  const node = await ctx.db.kysely
    .updateTable('nodes')
    .set({ ...advertised, max_concurrency: offer.maxConcurrency, last_seen_at: ctx.now() })
    .where('id', '=', nodeId)
    .returningAll()
    .executeTakeFirst();
  if (!node) throw new NotFoundError(`node ${nodeId} does not exist`);
  return { node, arches: servedArches(node), capabilities, notGranted };
}

/** Records that the node was seen now; returns it (undefined when there is no such node). */
export async function markNodeSeen(ctx: Context, nodeId: number): Promise<Node | undefined> {
  return ctx.db.kysely.updateTable('nodes').set({ last_seen_at: ctx.now() }).where('id', '=', nodeId).returningAll().executeTakeFirst();
}

/** Records that the node was seen now unless its mark is less than {@link SEEN_EVERY_MS} old (then
 * nothing is written). */
export async function noteNodeSeen(ctx: Context, nodeId: number): Promise<void> {
  const now = ctx.now();
  await ctx.db.kysely
    .updateTable('nodes')
    .set({ last_seen_at: now })
    .where('id', '=', nodeId)
    .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', now - SEEN_EVERY_MS)]))
    .execute();
}
