/**
 * GET /api/v1/builds/:id/logs/stream: a build's log (or one task's, `?task=N`) as server-sent
 * events, pushed as the node appends it: what is stored first (from `after`, or the event id a
 * reconnecting client sends as Last-Event-ID), then each new chunk within `pollMs` of its arrival,
 * until the task (or the whole build) has ended and everything is sent. The web UI reads it with
 * fetch (so that a private build's token goes in the Authorization header); `curl -N` and
 * EventSource work too.
 *
 * Events:
 * - `chunk` `{taskId, seq, at, text}`; its event id is where to resume after it (the seq for one
 *   task; for a whole build, the cursor over every task, on the last chunk of each page);
 * - `task` `{id, state}` when the stream starts and whenever a task's state changes;
 * - `end` `{state, buildState}`: nothing more will come (state: the task's, or the build's).
 * A comment line every `keepAliveMs` keeps proxies from closing an idle stream.
 *
 * The stream reads the database (the same pages as GET /builds/:id/logs), so it shows what any
 * master replica stored; a stream costs one small indexed query per `pollMs` while its task runs.
 * Streams still open when the server closes are cut first, so a close never waits for them.
 */
import type {} from '@fastify/swagger';
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { buildLogs, getBuildRow } from '../../builds/index.ts';
import type { Context } from '../../context.ts';
import { errorResponses } from '../errors.ts';
import { UnauthorizedError } from '../principal.ts';
import { idParams, logsQuerySchema } from './builds-schemas.ts';

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

export interface LogStreamOptions {
  /** How often a running task's log is read for new chunks (default 250 ms). */
  pollMs?: number;
  /** How long a stream may be silent before a keep-alive comment (default 15 s). */
  keepAliveMs?: number;
}

/** One server-sent event; `data` is JSON on one line. */
function sseEvent(event: string, data: unknown, id?: string): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function logStreamRoutes(ctx: Context, options: LogStreamOptions = {}): FastifyPluginAsync {
  const pollMs = options.pollMs ?? 250;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  return async (app) => {
    const open = new Set<() => void>();
    app.addHook('preClose', (done) => {
      for (const cut of open) cut();
      done();
    });

    app.get<{ Params: { id: number }; Querystring: { task?: number; after?: string } }>('/builds/:id/logs/stream', {
      schema: {
        tags: ['builds'],
        summary: 'A build\'s log (or one task\'s) as server-sent events while it grows: chunk, task and end events (anonymous callers: public builds)',
        params: idParams,
        querystring: logsQuerySchema,
        produces: ['text/event-stream'],
        response: { 200: { type: 'string', description: 'text/event-stream' }, ...errorResponses(400, 401, 404) },
      },
    }, async (req, reply) => {
      const build = await getBuildRow(ctx, req.params.id);
      if (build.public !== 1 && req.principal.kind === 'anonymous') throw new UnauthorizedError(`build ${build.id} is not public: a token is required`);
      const taskId = req.query.task;
      const resume = req.headers['last-event-id'];
      let after = typeof resume === 'string' && resume !== '' ? resume : req.query.after;
      // The first page is read before answering, so that a bad cursor or task is a 400 or 404.
      let page = await buildLogs(ctx, build.id, { ...(taskId !== undefined && { taskId }), ...(after !== undefined && { after }) });

      const out = new PassThrough();
      let closed = false;
      let wake: (() => void) | null = null;
      // Ending after the last event flushes it; cutting (the client went away, the server closes)
      // drops what is unsent, so nothing waits for a client that no longer reads.
      const close = (how: 'end' | 'cut'): void => {
        if (closed) return;
        closed = true;
        open.delete(cut);
        wake?.();
        if (how === 'end') out.end();
        else out.destroy();
      };
      const cut = (): void => close('cut');
      open.add(cut);
      reply.raw.on('close', cut);
      const write = async (text: string): Promise<void> => {
        if (closed) return;
        if (!out.write(text)) await new Promise<void>((resolve) => {
          out.once('drain', resolve);
          out.once('close', resolve);
        });
      };
      const pause = (ms: number): Promise<void> => new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });

      const pump = async (): Promise<void> => {
        const states = new Map<number, string>();
        let quietSince = Date.now();
        await write('retry: 2000\n\n');
        while (!closed) {
          for (const t of page.tasks) {
            if (states.get(t.id) === t.state) continue;
            states.set(t.id, t.state);
            await write(sseEvent('task', { id: t.id, state: t.state }));
          }
          // One task's chunks each carry their sequence number as the id; a whole build's carry the
          // cursor over every task on the last chunk of each page only (a client resuming from an
          // earlier id reads the rest of that page again, and drops what it has by task and seq).
          for (const [n, c] of page.chunks.entries()) {
            const id = taskId !== undefined ? String(c.seq) : n === page.chunks.length - 1 ? page.cursor : undefined;
            await write(sseEvent('chunk', c, id));
          }
          if (page.chunks.length > 0) quietSince = Date.now();
          after = page.cursor || after;
          if (!page.more) {
            const state = taskId !== undefined ? (page.tasks[0]?.state ?? 'cancelled') : page.buildState;
            // Ended, and the page read after it ended was the last: nothing more can arrive.
            if (ENDED.has(state) && page.chunks.length === 0) {
              await write(sseEvent('end', { state, buildState: page.buildState }));
              break;
            }
            if (page.chunks.length === 0 || !ENDED.has(state)) await pause(pollMs);
            if (Date.now() - quietSince >= keepAliveMs) {
              await write(': keep-alive\n\n');
              quietSince = Date.now();
            }
          }
          if (closed) break;
          page = await buildLogs(ctx, build.id, { ...(taskId !== undefined && { taskId }), ...(after ? { after } : {}) });
        }
      };
      void pump()
        .catch((e: unknown) => {
          req.log.error({ err: e, buildId: build.id, taskId }, 'log stream failed');
          return write(sseEvent('error', { code: 'internal', message: 'the log stream failed; reconnect to resume' }));
        })
        .finally(() => close('end'));

      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no')
        .send(out);
    });
  };
}
