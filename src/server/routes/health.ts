/**
 * /api/v1/health: is the server up and its database answering? For load balancers and `up`;
 * anonymous, cheap, and 503 when the database does not answer.
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { Context } from '../../context.ts';
import { DistforgeError } from '../../errors.ts';
import { errorResponses } from '../errors.ts';

export const VERSION = '0.1.0';

const healthSchema = {
  type: 'object',
  required: ['status', 'version', 'database'],
  properties: {
    status: { type: 'string', enum: ['ok', 'starting'], description: 'starting: the API answers 503 until the system is ready (distforge up)' },
    version: { type: 'string' },
    database: { type: 'string', enum: ['sqlite', 'postgres'] },
    starting: { type: 'string', description: 'what it is doing while starting' },
  },
} as const;

export function healthRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', {
      schema: { tags: ['health'], summary: 'Server and database health', response: { 200: healthSchema, 503: errorResponses(503)['503'] } },
    }, async () => {
      try {
        await sql`select 1`.execute(ctx.db.kysely);
      } catch (e) {
        throw new DistforgeError('unavailable', 'the database does not answer', { status: 503, cause: e });
      }
      const starting = ctx.settings.starting;
      return starting === undefined ? { status: 'ok', version: VERSION, database: ctx.db.dialect } : { status: 'starting', version: VERSION, database: ctx.db.dialect, starting };
    });
  };
}
