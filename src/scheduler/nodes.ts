/**
 * Node bookkeeping: what a node says it serves when it starts (`touchNode`, from POST /node/hello)
 * and when it was last heard from (`markNodeSeen`, on every lease request).
 */
import type { Context } from '../context.ts';
import type { Node } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';

/** What a node serves. */
export interface NodeOffer {
  arches: string[];
  capabilities: string[];
  maxConcurrency: number;
}

/**
 * Records what the node serves and that it was seen now.
 * @throws NotFoundError when there is no such node.
 */
export async function touchNode(ctx: Context, nodeId: number, offer: NodeOffer): Promise<Node> {
  const node = await ctx.db.kysely
    .updateTable('nodes')
    .set({
      arches: JSON.stringify(offer.arches),
      capabilities: JSON.stringify(offer.capabilities),
      max_concurrency: offer.maxConcurrency,
      last_seen_at: ctx.now(),
    })
    .where('id', '=', nodeId)
    .returningAll()
    .executeTakeFirst();
  if (!node) throw new NotFoundError(`node ${nodeId} does not exist`);
  return node;
}

/** Records that the node was seen now; returns it (undefined when there is no such node). */
export async function markNodeSeen(ctx: Context, nodeId: number): Promise<Node | undefined> {
  return ctx.db.kysely.updateTable('nodes').set({ last_seen_at: ctx.now() }).where('id', '=', nodeId).returningAll().executeTakeFirst();
}

/** The arches a node row lists ([] when the column is not a JSON array of strings). */
export function nodeArches(node: Pick<Node, 'arches'>): string[] {
  try {
    const v: unknown = JSON.parse(node.arches);
    return Array.isArray(v) ? v.filter((a): a is string => typeof a === 'string') : [];
  } catch {
    return [];
  }
}
