/**
 * The node API (/api/v1/node/…): what build nodes call, with a node token. A node says hello with
 * what it advertises (it serves what an admin granted of that, never more), leases a task (200 with the task, 204 when there is none), heartbeats, streams
 * its log in numbered chunks, uploads artifacts (streamed to the store, sha256 recomputed, RPMs
 * indexed), and completes, fails or refuses the task. A node may wait for work instead of polling
 * (POST /node/lease?wait=SECONDS: answered as soon as a task it can take is queued). Anything done without the lease is refused
 * with 409 lease_lost. GET /artifacts/:sha256/:name serves blobs to anyone (nodes download their
 * inputs there), or redirects to the S3 store when it presigns downloads.
 *
 * Handlers only parse, authorise and call the scheduler; errors are thrown DistforgeErrors that
 * the app's error handler turns into { code, message }.
 */
import type {} from '@fastify/swagger';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Context } from '../../context.ts';
import { DistforgeError, NotFoundError } from '../../errors.ts';
import {
  appendLog,
  checkArtifactName,
  completeTask,
  describeGrant,
  failTask,
  heartbeat,
  helloNode,
  holdLease,
  isRpmKind,
  leaseForNode,
  nodeCapacity,
  QueueWatcher,
  recordArtifact,
  refuseTask,
  rpmIndexRow,
  type CompleteOptions,
  type LeaseDecorator,
  type LeaseGrant,
  type NodeGrants,
  type RpmPackageRow,
} from '../../scheduler/index.ts';
import { errorResponses } from '../errors.ts';
import type { Task } from '../../db/schema.ts';
import type { PutOptions, StoredBlob } from '../../storage/store.ts';
import { requireNode } from '../principal.ts';
import { sendBlob, storeRedirectResponse } from '../send-blob.ts';
import * as s from './node-api-schemas.ts';

export type { LeaseDecorator, LeasedTask } from '../../scheduler/index.ts';

export interface NodeApiOptions {
  /** Adds what the scheduler does not know to each lease (the builds domain: repositories). */
  decorateLease?: LeaseDecorator;
  /** Whether a task's RPM uploads are indexed (default yes); throws to refuse the upload (the
   * signing domain: signed copies are not indexed again, a sign-repo task uploads nothing). */
  uploadPolicy?: (task: Task) => { indexRpms: boolean };
  /** Runs before the completing transaction (the signing domain: checking the signed packages). */
  prepareCompletion?: CompleteOptions['prepare'];
  /** Runs in the completing transaction when a task succeeds (the builds domain: fan-out). */
  onTaskSucceeded?: CompleteOptions['onSucceeded'];
  /** Kinds of task for which prepareCompletion and onTaskSucceeded do nothing (their completion
   * is then one statement on PostgreSQL). */
  hooklessKinds?: CompleteOptions['hooklessKinds'];
}

const tags = ['node API'];
const security = [{ bearer: [] }];
const OCTET = 'application/octet-stream';

interface TaskParams {
  id: number;
}

/**
 * Streams an upload into the store, once `accept` took the staged bytes; an upload cut short (the
 * node died) is a 400, not a bug.
 */
async function storeUpload(ctx: Context, body: Readable, sha256: string, accept: NonNullable<PutOptions['accept']>): Promise<StoredBlob> {
  try {
    return await ctx.store.put(body, sha256, { accept });
  } catch (e) {
    if (e instanceof DistforgeError) throw e;
    if (body.destroyed || (e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as Error).message === 'aborted') {
      throw new DistforgeError('upload_incomplete', 'the upload ended before the whole file arrived; nothing was stored', { status: 400, cause: e });
    }
    throw e;
  }
}

/** Fruitless wake-ups (another node took the task, or this one refused it) back off up to this. */
const MAX_BACKOFF_MS = 2000;

/**
 * Leases for the node, waiting up to `waitMs` for a task to be queued (QueueWatcher). Gives up
 * when the node is disabled or full, when the client goes away (nothing is leased for it then),
 * or when the server closes.
 */
async function leaseWaiting(ctx: Context, watcher: QueueWatcher, grants: NodeGrants, nodeId: number, waitMs: number, reply: FastifyReply): Promise<LeaseGrant | null> {
  const deadline = Date.now() + waitMs;
  const gone = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableEnded) gone.abort();
  };
  reply.raw.once('close', onClose);
  try {
    let backoff = 0;
    for (let woken = false; ; woken = true) {
      if (gone.signal.aborted) return null;
      const grant = await leaseForNode(ctx, nodeId, grants);
      if (grant || Date.now() >= deadline) return grant;
      const capacity = await nodeCapacity(ctx, nodeId);
      if (!capacity.enabled || capacity.free <= 0) return null;
      if (woken) {
        backoff = Math.min(MAX_BACKOFF_MS, Math.max(50, backoff * 2));
        await sleepUnlessAborted(Math.min(backoff, deadline - Date.now()), gone.signal);
      }
      if ((await watcher.wait(capacity.arches, deadline - Date.now(), gone.signal, capacity.kinds)) !== 'work') return null;
    }
  } finally {
    reply.raw.off('close', onClose);
  }
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(Math.max(0, ms), undefined, { signal }).catch(() => undefined);
}

export function nodeApiRoutes(ctx: Context, options: NodeApiOptions = {}): FastifyPluginAsync {
  return async (app) => {
    // Nodes waiting for work (POST /node/lease?wait=S); answered at once when the server closes.
    const watcher = new QueueWatcher(ctx);
    // The nodes' rows as this master last read them: a lease checks them in its one statement.
    const grants: NodeGrants = new Map();
    app.addHook('preClose', (done) => {
      watcher.close();
      done();
    });

    // Uploads arrive as a raw stream: never buffered whole, hashed while written to the store.
    if (!app.hasContentTypeParser(OCTET)) app.addContentTypeParser(OCTET, (_req, payload, done) => done(null, payload));
    // Log chunks arrive as text/plain.
    if (!app.hasContentTypeParser('text/plain')) app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    app.post<{ Body: { arches: string[]; capabilities: string[]; maxConcurrency: number } }>('/node/hello', {
      schema: {
        tags, security,
        summary: 'A node starts: records the arches and capabilities it advertises and its concurrency; it serves those an admin granted (403 not_granted: no advertised capability is granted)',
        body: s.helloBody,
        response: { 200: s.helloResponse, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req) => {
      const me = requireNode(req.principal);
      const hello = await helloNode(ctx, me.nodeId, req.body);
      const { node, arches, capabilities, notGranted } = hello;
      req.log.info({ nodeId: node.id, arches, capabilities, notGranted, maxConcurrency: req.body.maxConcurrency }, 'node said hello');
      return { nodeId: node.id, name: node.name, arches, capabilities, notGranted };
    });

    app.post<{ Querystring: { wait: number } }>('/node/lease', {
      schema: {
        tags, security,
        summary: 'Lease the next task this node may run; with ?wait=S wait up to S seconds for one (204: none; ask again)',
        querystring: s.leaseQuery,
        response: { 200: { type: 'object', required: ['task'], properties: { task: s.leasedTaskSchema } }, 204: s.noContent, ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => {
      const nodeId = requireNode(req.principal).nodeId;
      const grant = await leaseWaiting(ctx, watcher, grants, nodeId, req.query.wait * 1000, reply);
      // Shutting down: the connection must not stay open (idle keep-alive) after this answer.
      if (watcher.closed) void reply.header('connection', 'close');
      if (!grant) return reply.code(204).send();
      return { task: await describeGrant(ctx, grant, options.decorateLease) };
    });

    app.post<{ Params: TaskParams }>('/node/tasks/:id/heartbeat', {
      schema: {
        tags, security, summary: 'Extend the lease of a task this node holds',
        params: s.taskParams,
        response: { 200: { type: 'object', required: ['leaseExpiresAt'], properties: { leaseExpiresAt: { type: 'integer' } } }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => heartbeat(ctx, requireNode(req.principal).nodeId, req.params.id));

    app.post<{ Params: TaskParams; Querystring: { seq: number }; Body: string }>('/node/tasks/:id/log', {
      schema: {
        tags, security, summary: 'Append a chunk of the build log (text/plain; idempotent per seq; NUL is stored as U+FFFD)',
        consumes: ['text/plain'],
        params: s.taskParams,
        querystring: s.logQuery,
        body: s.logChunkBody,
        response: { 204: s.noContent, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => {
      // Build output may hold NUL bytes; the log keeps them visible as U+FFFD.
      await appendLog(ctx, requireNode(req.principal).nodeId, req.params.id, req.query.seq, req.body.replaceAll('\0', '\uFFFD'));
      return reply.code(204).send();
    });

    app.put<{ Params: TaskParams & { name: string }; Querystring: { kind: (typeof s.artifactQuery.properties.kind.enum)[number]; sha256: string } }>('/node/tasks/:id/artifacts/:name', {
      schema: {
        tags, security,
        summary: 'Upload an artifact (application/octet-stream); the master recomputes its sha256 and refuses a mismatch (422)',
        consumes: [OCTET],
        params: s.artifactParams,
        querystring: s.artifactQuery,
        response: { 201: s.storedBlobSchema, ...errorResponses(400, 401, 403, 404, 409, 415, 422) },
      },
    }, async (req, reply) => {
      const nodeId = requireNode(req.principal).nodeId;
      const { id } = req.params;
      const { name } = req.params;
      const { kind, sha256 } = req.query;
      checkArtifactName(name);
      const held = await holdLease(ctx, nodeId, id);
      const policy = options.uploadPolicy?.(held.task) ?? { indexRpms: true };
      if (!(req.body instanceof Readable)) throw new DistforgeError('unsupported_media_type', `send the file as ${OCTET}`, { status: 415 });
      // Checked before the bytes enter the store (a refused upload leaves nothing behind): an RPM
      // kind must hold such an RPM, and the lease must still be held once the bytes are in.
      let rpm: RpmPackageRow | undefined;
      const blob = await storeUpload(ctx, req.body, sha256, async (staged) => {
        if (isRpmKind(kind) && policy.indexRpms) rpm = rpmIndexRow({ path: staged.path }, { name, kind, sha256: staged.sha256, size: staged.size }, ctx.now());
        await holdLease(ctx, nodeId, id);
      });
      const file = { name, kind, sha256: blob.sha256, size: blob.size };
      await recordArtifact(ctx, nodeId, id, file, rpm ? { rpm } : {});
      req.log.info({ taskId: id, nodeId, artifact: name, sha256: blob.sha256, size: blob.size }, 'artifact uploaded');
      return reply.code(201).send(blob);
    });

    app.post<{ Params: TaskParams; Body: { result?: unknown } | undefined }>('/node/tasks/:id/complete', {
      schema: {
        tags, security, summary: 'The task succeeded', params: s.taskParams, body: s.completeBody,
        response: { 204: s.noContent, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => {
      const { prepareCompletion: prepare, onTaskSucceeded: onSucceeded, hooklessKinds } = options;
      await completeTask(ctx, requireNode(req.principal).nodeId, req.params.id, req.body?.result ?? null, {
        ...(prepare && { prepare }), ...(onSucceeded && { onSucceeded }), ...(hooklessKinds && { hooklessKinds }),
      });
      return reply.code(204).send();
    });

    app.post<{ Params: TaskParams; Body: { reason: string; result?: unknown } }>('/node/tasks/:id/fail', {
      schema: {
        tags, security, summary: 'The task failed (the build failed, with the reason)', params: s.taskParams, body: s.failBody,
        response: { 204: s.noContent, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => {
      await failTask(ctx, requireNode(req.principal).nodeId, req.params.id, req.body.reason, req.body.result);
      return reply.code(204).send();
    });

    app.post<{ Params: TaskParams; Body: { reason: string } }>('/node/tasks/:id/refuse', {
      schema: {
        tags, security, summary: 'This node will not run the task: it goes back to the queue for other nodes', params: s.taskParams, body: s.refuseBody,
        response: { 204: s.noContent, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => {
      await refuseTask(ctx, requireNode(req.principal).nodeId, req.params.id, req.body.reason);
      return reply.code(204).send();
    });

    app.get<{ Params: { sha256: string; name: string } }>('/artifacts/:sha256/:name', {
      schema: {
        tags, summary: 'Download a blob of the artifact store (anyone); the name only names the download',
        params: s.downloadParams,
        produces: [OCTET],
        response: { 200: { type: 'string', format: 'binary', description: 'the bytes' }, 302: storeRedirectResponse, ...errorResponses(400, 404, 503) },
      },
    }, async (req, reply) => {
      const { sha256, name } = req.params;
      checkArtifactName(name);
      const size = await ctx.store.size(sha256);
      if (size === null) throw new NotFoundError(`no artifact ${sha256}`);
      return sendBlob(ctx, reply, { sha256, size, name });
    });
  };
}
