/**
 * /api/v1/nodes: build nodes as admins manage them. Any user may list them; admins create a node
 * (and get its token, once), change it, or replace its token. What nodes do while working (lease,
 * heartbeat, upload) is the node API's business (node-api.ts).
 *
 * /api/v1/queue: what waits and runs, per arch and kind, and every node's current tasks (any user:
 * like the nodes, it names private builds' packages, which anonymous callers may not see).
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { createNodeToken, getNode, listNodes, MAX_NODE_CONCURRENCY, replaceNodeToken, updateNode, type NodeChanges, type NodeSpec } from '../../auth/nodes.ts';
import { CAPABILITIES } from '../../auth/types.ts';
import type { Context } from '../../context.ts';
import { ARCHES } from '../../platforms/types.ts';
import { queueView } from '../../scheduler/index.ts';
import { errorResponses } from '../errors.ts';
import { requireUser } from '../principal.ts';
import { nameParams, nameString } from './schema-parts.ts';
import { tokenSchema } from './tokens.ts';

const arches = { type: 'array', minItems: 1, maxItems: ARCHES.length, items: { type: 'string', enum: ARCHES } } as const;
const capabilities = { type: 'array', minItems: 1, maxItems: CAPABILITIES.length, items: { type: 'string', enum: CAPABILITIES } } as const;
const maxConcurrency = { type: 'integer', minimum: 1, maximum: MAX_NODE_CONCURRENCY } as const;

/** JSON schema of a node. */
export const nodeSchema = {
  type: 'object',
  required: ['id', 'name', 'arches', 'capabilities', 'advertisedArches', 'advertisedCapabilities', 'maxConcurrency', 'enabled', 'lastSeenAt', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    arches: { ...arches, description: 'granted by an admin' },
    capabilities: { ...capabilities, description: 'granted by an admin' },
    advertisedArches: { type: 'array', items: { type: 'string' }, nullable: true, description: "the node's last hello (null before it said one); it serves only those also granted" },
    advertisedCapabilities: { type: 'array', items: { type: 'string' }, nullable: true, description: "the node's last hello (null before it said one); it serves only those also granted" },
    maxConcurrency,
    enabled: { type: 'boolean' },
    lastSeenAt: { type: 'integer', nullable: true },
    createdAt: { type: 'integer' },
  },
} as const;

const count = { type: 'integer', minimum: 0 } as const;
const nullableMillis = { type: 'integer', nullable: true } as const;

/** JSON schema of GET /queue (src/scheduler/queue.ts QueueView). */
export const queueSchema = {
  type: 'object',
  required: ['now', 'leaseMs', 'staleAfterMs', 'queue', 'totals', 'currentTasks'],
  properties: {
    now: { type: 'integer', description: "the master's clock (ms since the epoch): ages and staleness are relative to it" },
    leaseMs: { type: 'integer', description: 'how long a lease lasts without a heartbeat' },
    staleAfterMs: { type: 'integer', description: 'a node not seen (hello, lease request or heartbeat) for longer than this is stale' },
    queue: {
      type: 'array',
      description: 'per arch and kind with any task not ended, by arch then kind',
      items: {
        type: 'object',
        required: ['arch', 'kind', 'blocked', 'queued', 'running', 'oldestQueuedAt', 'nodes'],
        properties: {
          arch: { type: 'string' },
          kind: { type: 'string', description: 'srpm, rpm, test, sign or sign-repo' },
          blocked: { ...count, description: 'waiting for the tasks they depend on' },
          queued: { ...count, description: 'waiting for a node' },
          running: { ...count, description: 'leased by a node' },
          oldestQueuedAt: { ...nullableMillis, description: 'when the longest-waiting queued task was queued; null when none is' },
          nodes: { type: 'array', items: { type: 'string' }, description: 'the enabled nodes that take these tasks (granted and advertised); empty: none will run them' },
        },
      },
    },
    totals: { type: 'object', required: ['blocked', 'queued', 'running'], properties: { blocked: count, queued: count, running: count } },
    currentTasks: {
      type: 'array',
      description: 'every leased task, by node, oldest first',
      items: {
        type: 'object',
        required: ['id', 'kind', 'arch', 'platform', 'buildId', 'releaseId', 'package', 'node', 'attempt', 'maxAttempts', 'startedAt', 'leaseExpiresAt'],
        properties: {
          id: { type: 'integer' },
          kind: { type: 'string' },
          arch: { type: 'string' },
          platform: { type: 'string' },
          buildId: { type: 'integer', nullable: true, description: "null for a release's task" },
          releaseId: { type: 'integer', nullable: true, description: 'the release a sign-repo task signs' },
          package: { type: 'string', nullable: true, description: 'the source package, once known' },
          node: { type: 'string' },
          attempt: { type: 'integer' },
          maxAttempts: { type: 'integer' },
          startedAt: { ...nullableMillis, description: 'when the node leased it' },
          leaseExpiresAt: { ...nullableMillis, description: 'when the lease runs out without a heartbeat' },
        },
      },
    },
  },
} as const;

const issuedSchema = {
  type: 'object',
  required: ['secret', 'token', 'node'],
  properties: { secret: { type: 'string', description: 'the node token; shown only now' }, token: tokenSchema, node: nodeSchema },
} as const;

const tags = ['nodes'];
const security = [{ bearer: [] }];

export function nodeRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.get('/nodes', {
      schema: { tags, summary: 'List build nodes (any user)', security, response: { 200: { type: 'array', items: nodeSchema }, ...errorResponses(401, 403) } },
    }, (req) => {
      requireUser(req.principal, 'read-only');
      return listNodes(ctx);
    });

    app.get<{ Params: { name: string } }>('/nodes/:name', {
      schema: { tags, summary: 'Show a build node (any user)', security, params: nameParams, response: { 200: nodeSchema, ...errorResponses(400, 401, 403, 404) } },
    }, (req) => {
      requireUser(req.principal, 'read-only');
      return getNode(ctx, req.params.name);
    });

    app.get('/queue', {
      schema: {
        tags, security,
        summary: 'The queue: tasks blocked, queued and running per arch and kind, the oldest queued, and each node\'s current tasks (any user)',
        response: { 200: queueSchema, ...errorResponses(401, 403) },
      },
    }, (req) => {
      requireUser(req.principal, 'read-only');
      return queueView(ctx);
    });

    app.post<{ Body: NodeSpec }>('/nodes', {
      schema: {
        tags, summary: 'Create a build node and its token (admin)', security,
        body: { type: 'object', required: ['name', 'arches'], additionalProperties: false, properties: { name: nameString, arches, capabilities, maxConcurrency } },
        response: { 201: issuedSchema, ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      const issued = await createNodeToken(ctx, req.body);
      req.log.info({ nodeId: issued.node.id, node: issued.node.name }, 'node created');
      return reply.code(201).send(issued);
    });

    app.patch<{ Params: { name: string }; Body: NodeChanges }>('/nodes/:name', {
      schema: {
        tags, summary: "Change a node's arches, capabilities, capacity or enabled flag (admin)", security, params: nameParams,
        body: { type: 'object', additionalProperties: false, properties: { arches, capabilities, maxConcurrency, enabled: { type: 'boolean' } } },
        response: { 200: nodeSchema, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req) => {
      requireUser(req.principal, 'admin');
      const node = await updateNode(ctx, req.params.name, req.body);
      req.log.info({ nodeId: node.id, changes: req.body }, 'node changed');
      return node;
    });

    app.post<{ Params: { name: string } }>('/nodes/:name/token', {
      schema: {
        tags, summary: "Replace a node's token: the old one stops working (admin)", security, params: nameParams,
        response: { 201: issuedSchema, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      const issued = await replaceNodeToken(ctx, req.params.name);
      req.log.info({ nodeId: issued.node.id }, 'node token replaced');
      return reply.code(201).send(issued);
    });
  };
}
