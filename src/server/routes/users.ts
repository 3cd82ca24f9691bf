/**
 * /api/v1/users (admin) and /api/v1/whoami (anyone: who does the server take me for?).
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { ROLES } from '../../auth/types.ts';
import { createUser, getUser, listUsers, setUserRole } from '../../auth/users.ts';
import type { Context } from '../../context.ts';
import type { Role } from '../../db/schema.ts';
import { errorResponses } from '../errors.ts';
import { requireUser } from '../principal.ts';
import { nameParams, nameString } from './schema-parts.ts';

const role = { type: 'string', enum: ROLES } as const;

/** JSON schema of a user. */
export const userSchema = {
  type: 'object',
  required: ['id', 'name', 'role', 'createdAt'],
  properties: { id: { type: 'integer' }, name: { type: 'string' }, role, createdAt: { type: 'integer' } },
} as const;

const whoamiSchema = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { type: 'string', enum: ['user', 'node', 'anonymous'] }, name: { type: 'string' }, role },
} as const;

const tags = ['users'];
const security = [{ bearer: [] }];

export function userRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.get('/whoami', {
      schema: { tags, summary: 'Who the caller is (user and role, node, or anonymous)', response: { 200: whoamiSchema, ...errorResponses(401) } },
    }, (req) => {
      const p = req.principal;
      return p.kind === 'user' ? { kind: p.kind, name: p.name, role: p.role } : p.kind === 'node' ? { kind: p.kind, name: p.name } : { kind: p.kind };
    });

    app.get('/users', {
      schema: { tags, summary: 'List users (admin)', security, response: { 200: { type: 'array', items: userSchema }, ...errorResponses(401, 403) } },
    }, (req) => {
      requireUser(req.principal, 'admin');
      return listUsers(ctx);
    });

    app.get<{ Params: { name: string } }>('/users/:name', {
      schema: { tags, summary: 'Show a user (admin, or the user themself)', security, params: nameParams, response: { 200: userSchema, ...errorResponses(400, 401, 403, 404) } },
    }, (req) => {
      const me = requireUser(req.principal, 'read-only');
      if (me.name !== req.params.name) requireUser(req.principal, 'admin');
      return getUser(ctx, req.params.name);
    });

    app.post<{ Body: { name: string; role: Role } }>('/users', {
      schema: {
        tags, summary: 'Create a user (admin); give them a token with POST /tokens', security,
        body: { type: 'object', required: ['name', 'role'], additionalProperties: false, properties: { name: nameString, role } },
        response: { 201: userSchema, ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      const user = await createUser(ctx, req.body.name, req.body.role);
      req.log.info({ user: user.name, role: user.role }, 'user created');
      return reply.code(201).send(user);
    });

    app.patch<{ Params: { name: string }; Body: { role: Role } }>('/users/:name', {
      schema: {
        tags, summary: "Change a user's role (admin; 409 for the last admin with a working token)", security, params: nameParams,
        body: { type: 'object', required: ['role'], additionalProperties: false, properties: { role } },
        response: { 200: userSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req) => {
      requireUser(req.principal, 'admin');
      const user = await setUserRole(ctx, req.params.name, req.body.role);
      req.log.info({ user: user.name, role: user.role }, 'user role changed');
      return user;
    });
  };
}
