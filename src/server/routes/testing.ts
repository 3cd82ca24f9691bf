/**
 * Testing a build on request over HTTP (POST /builds/:id/test, maintainer): test tasks for its
 * packages never tested or whose newest test failed (src/testing/requests.ts). The results are in
 * the build (GET /builds/:id: each rpm task's `tests`).
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';
import { requestTests } from '../../testing/index.ts';
import { errorResponses } from '../errors.ts';
import { requireUser } from '../principal.ts';
import { idParams, nameString } from './schema-parts.ts';

const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;

const entrySchema = {
  type: 'object',
  required: ['rpmTaskId', 'package', 'platform', 'arch', 'taskId', 'state'],
  properties: {
    rpmTaskId: int,
    package: { type: 'string', nullable: true },
    platform: str,
    arch: str,
    taskId: { type: 'integer', description: 'the new test task (made), or the newest one (kept)' },
    state: str,
    again: { type: 'integer', nullable: true, description: 'made: the failed or cancelled test task it runs again (null: the first test)' },
  },
} as const;

export function testingRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { id: number }; Body: { platform?: string } | undefined }>('/builds/:id/test', {
      schema: {
        tags: ['builds'],
        security: [{ bearer: [] }],
        summary: 'Test a succeeded build\'s packages never tested, and again those whose newest test failed or was cancelled (maintainer)',
        params: idParams,
        body: { type: 'object', nullable: true, additionalProperties: false, properties: { platform: { ...nameString, description: 'only this platform of the build (default: each that tests)' } } },
        response: {
          202: {
            type: 'object',
            required: ['buildId', 'made', 'kept'],
            properties: {
              buildId: int,
              made: { type: 'array', items: entrySchema, description: 'the test tasks made' },
              kept: { type: 'array', items: entrySchema, description: 'packages whose newest test passed or is still to run' },
            },
          },
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    }, async (req, reply) => {
      const user = requireUser(req.principal, 'maintainer');
      const result = await requestTests(ctx, { buildId: req.params.id, ...(req.body?.platform !== undefined && { platform: req.body.platform }), requestedBy: user.name });
      return reply.code(202).send(result);
    });
  };
}
