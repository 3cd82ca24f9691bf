/**
 * A short memory of the node tokens this master looked up. Nodes make most requests (a lease and a
 * completion per task, hundreds a second on a busy master), each with its token: a node token found
 * valid is taken as valid for {@link NODE_TOKEN_MEMORY_MS} without asking the database again.
 *
 * The bound: a node token revoked (or replaced) through this master is refused at once (revoking
 * forgets what is remembered); through another master, within NODE_TOKEN_MEMORY_MS. User tokens
 * are always looked up (a user's role may change at any time). The memory belongs to the master's
 * database handle (one per context), so tests and masters never share one.
 */
import type { Context } from '../context.ts';
import type { Db } from '../db/connection.ts';
import type { TokenOwner } from './types.ts';

/** How long a node token found valid is taken as valid without asking the database. */
export const NODE_TOKEN_MEMORY_MS = 2000;

/** Entries kept at most (then everything is forgotten: it is only a memory). */
const MAX_ENTRIES = 10_000;

type NodeOwner = Extract<TokenOwner, { kind: 'node' }>;

const memories = new WeakMap<Db, Map<string, { owner: NodeOwner; until: number }>>();

/** The node owning the token of sha256 `hash`, when it was found valid less than NODE_TOKEN_MEMORY_MS ago. */
export function rememberedNodeToken(ctx: Context, hash: string): NodeOwner | undefined {
  const memory = memories.get(ctx.db);
  const entry = memory?.get(hash);
  if (!entry) return undefined;
  if (entry.until > ctx.now()) return entry.owner;
  memory?.delete(hash);
  return undefined;
}

/** Remembers that the token of sha256 `hash` belongs to the node `owner` (valid now). */
export function rememberNodeToken(ctx: Context, hash: string, owner: NodeOwner): void {
  let memory = memories.get(ctx.db);
  if (!memory) memories.set(ctx.db, (memory = new Map()));
  if (memory.size >= MAX_ENTRIES) memory.clear();
  memory.set(hash, { owner, until: ctx.now() + NODE_TOKEN_MEMORY_MS });
}

/** Forgets every remembered token (a token was revoked). */
export function forgetTokens(ctx: Context): void {
  memories.get(ctx.db)?.clear();
}
