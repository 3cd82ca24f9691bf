/**
 * distforge's own lookaside store over HTTP: users upload source files, nodes and anyone download
 * them by hash. (Filled in by the sources work.)
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';

/** Routes under /api/v1. */
export function lookasideRoutes(_ctx: Context): FastifyPluginAsync {
  return async () => {};
}
