/**
 * The git service's routes: mirrors, rules, upstream events and package pipelines under /api/v1,
 * push webhooks, and the mirrors served read-only over git's smart HTTP at /git/NAME.git.
 * (Filled in by the git service.)
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';

/** Routes under /api/v1. */
export function gitRoutes(_ctx: Context): FastifyPluginAsync {
  return async () => {};
}

/** Routes at the root: /git/NAME.git/… (git http-backend). */
export function gitHttpRoutes(_ctx: Context): FastifyPluginAsync {
  return async () => {};
}
