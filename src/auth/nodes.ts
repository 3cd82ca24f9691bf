/**
 * Build nodes as an admin manages them: creating a node (with its token), listing, changing the
 * arches and capabilities it is granted, its capacity or enabled flag, and replacing its token. The scheduler owns what happens while
 * a node works (last_seen_at, leases).
 */
import type { Context } from '../context.ts';
import type { Node } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { AlreadyExistsError, isUniqueViolation } from '../platforms/errors.ts';
import { checkName } from '../platforms/names.ts';
import { ARCHES, type Arch } from '../platforms/types.ts';
import { InvalidValueError } from './errors.ts';
import { forgetTokens } from './token-cache.ts';
import { insertToken } from './tokens.ts';
import { CAPABILITIES, type Capability, type IssuedToken, type NodeInfo } from './types.ts';

export const MAX_NODE_CONCURRENCY = 256;

/** What an admin says about a node. */
export interface NodeSpec {
  name: string;
  arches: string[];
  /** Default: ["build"]. */
  capabilities?: string[];
  /** Tasks it runs at once; default 1. */
  maxConcurrency?: number;
}

/** The API shape of a node row. */
export function nodeInfo(row: Node): NodeInfo {
  return {
    id: row.id,
    name: row.name,
    arches: JSON.parse(row.arches) as Arch[],
    capabilities: JSON.parse(row.capabilities) as Capability[],
    advertisedArches: row.advertised_arches === null ? null : (JSON.parse(row.advertised_arches) as Arch[]),
    advertisedCapabilities: row.advertised_capabilities === null ? null : (JSON.parse(row.advertised_capabilities) as Capability[]),
    maxConcurrency: row.max_concurrency,
    enabled: row.enabled === 1,
    lastSeenAt: row.last_seen_at,
    createdAt: row.created_at,
  };
}

function checkList<T extends string>(what: string, values: unknown, allowed: readonly T[]): T[] {
  if (!Array.isArray(values) || values.length === 0) throw new InvalidValueError(`${what}: give at least one of ${allowed.join(', ')}`);
  const out: T[] = [];
  for (const v of values as unknown[]) {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new InvalidValueError(`${what}: unknown value ${JSON.stringify(v)} (expected one of ${allowed.join(', ')})`);
    if (!out.includes(v as T)) out.push(v as T);
  }
  return out;
}

function checkArches(values: unknown): Arch[] {
  const arches = checkList('arches', values, ARCHES);
  if (!arches.some((a) => a !== 'noarch')) throw new InvalidValueError('arches: a node needs at least one architecture besides noarch');
  return arches;
}

function checkConcurrency(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_NODE_CONCURRENCY) {
    throw new InvalidValueError(`maxConcurrency: must be a whole number from 1 to ${MAX_NODE_CONCURRENCY}, not ${JSON.stringify(n)}`);
  }
  return n;
}

/**
 * Creates a node and its token (one transaction); the secret is returned once.
 * @throws InvalidNameError, InvalidValueError, AlreadyExistsError
 */
export async function createNodeToken(ctx: Context, spec: NodeSpec): Promise<IssuedToken & { node: NodeInfo }> {
  checkName('node name', spec.name);
  const arches = checkArches(spec.arches);
  const capabilities = checkList('capabilities', spec.capabilities ?? ['build'], CAPABILITIES);
  const maxConcurrency = checkConcurrency(spec.maxConcurrency ?? 1);
  try {
    return await ctx.db.kysely.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('nodes')
        .values({ name: spec.name, arches: JSON.stringify(arches), capabilities: JSON.stringify(capabilities), max_concurrency: maxConcurrency, enabled: 1, last_seen_at: null, created_at: ctx.now() })
        .returningAll()
        .executeTakeFirstOrThrow();
      const t = await insertToken(ctx, trx, { nodeId: row.id });
      return { node: nodeInfo(row), secret: t.secret, token: { id: t.id, kind: 'node', user: null, node: row.name, createdAt: t.createdAt, revokedAt: null } };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AlreadyExistsError(`node "${spec.name}" already exists`);
    throw e;
  }
}

/** Every node, by name. */
export async function listNodes(ctx: Context): Promise<NodeInfo[]> {
  const rows = await ctx.db.kysely.selectFrom('nodes').selectAll().orderBy('name').execute();
  return rows.map(nodeInfo);
}

/** The node called `name`. @throws NotFoundError, InvalidNameError */
export async function getNode(ctx: Context, name: string): Promise<NodeInfo> {
  checkName('node name', name);
  const row = await ctx.db.kysely.selectFrom('nodes').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw new NotFoundError(`no node named "${name}"`);
  return nodeInfo(row);
}

/** What may change about a node. */
export interface NodeChanges {
  arches?: string[];
  capabilities?: string[];
  maxConcurrency?: number;
  enabled?: boolean;
}

/** Changes a node; everything is checked before anything is written. @throws NotFoundError, InvalidValueError */
export async function updateNode(ctx: Context, name: string, changes: NodeChanges): Promise<NodeInfo> {
  await getNode(ctx, name);
  const set: { arches?: string; capabilities?: string; max_concurrency?: number; enabled?: number } = {};
  if (changes.arches !== undefined) set.arches = JSON.stringify(checkArches(changes.arches));
  if (changes.capabilities !== undefined) set.capabilities = JSON.stringify(checkList('capabilities', changes.capabilities, CAPABILITIES));
  if (changes.maxConcurrency !== undefined) set.max_concurrency = checkConcurrency(changes.maxConcurrency);
  if (changes.enabled !== undefined) set.enabled = changes.enabled ? 1 : 0;
  if (Object.keys(set).length > 0) {
    await ctx.db.kysely.updateTable('nodes').set(set).where('name', '=', name).execute();
    // A remembered token carries the node's enabled flag: this master forgets it at once.
    forgetTokens(ctx);
  }
  return getNode(ctx, name);
}

/** Revokes the node's tokens and issues a new one (for a lost or leaked token). @throws NotFoundError */
export async function replaceNodeToken(ctx: Context, name: string): Promise<IssuedToken & { node: NodeInfo }> {
  const node = await getNode(ctx, name);
  const issued = await ctx.db.kysely.transaction().execute(async (trx) => {
    await trx.updateTable('tokens').set({ revoked_at: ctx.now() }).where('node_id', '=', node.id).where('revoked_at', 'is', null).execute();
    const t = await insertToken(ctx, trx, { nodeId: node.id });
    return { node, secret: t.secret, token: { id: t.id, kind: 'node' as const, user: null, node: node.name, createdAt: t.createdAt, revokedAt: null } };
  });
  forgetTokens(ctx);
  return issued;
}
