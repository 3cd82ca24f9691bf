/**
 * /api/v1/tokens: admins issue API tokens (creating the user with a role when new) and see every
 * token; a user sees and may revoke their own. Secrets are returned once, at creation; listings
 * never contain them.
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { getToken, issueUserToken, listTokens, revokeToken } from '../../auth/tokens.ts';
import { ROLES } from '../../auth/types.ts';
import type { Context } from '../../context.ts';
import type { Role } from '../../db/schema.ts';
import { errorResponses } from '../errors.ts';
import { ForbiddenError, requireUser } from '../principal.ts';
import { idParams, nameString } from './schema-parts.ts';
import { userSchema } from './users.ts';

const nullableString = { type: 'string', nullable: true } as const;
const nullableInt = { type: 'integer', nullable: true } as const;

/** JSON schema of a token record (never the secret). */
export const tokenSchema = {
  type: 'object',
  required: ['id', 'kind', 'user', 'node', 'createdAt', 'revokedAt'],
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string', enum: ['user', 'node'] },
    user: nullableString,
    node: nullableString,
    createdAt: { type: 'integer' },
    revokedAt: nullableInt,
  },
} as const;

const issuedSchema = {
  type: 'object',
  required: ['secret', 'token', 'user'],
  properties: { secret: { type: 'string', description: 'the token; shown only now' }, token: tokenSchema, user: userSchema },
} as const;

const tags = ['tokens'];
const security = [{ bearer: [] }];

export function tokenRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.get('/tokens', {
      schema: { tags, summary: 'List tokens (admin: all; others: their own)', security, response: { 200: { type: 'array', items: tokenSchema }, ...errorResponses(401, 403) } },
    }, (req) => {
      const me = requireUser(req.principal, 'read-only');
      return listTokens(ctx, me.role === 'admin' ? undefined : me.userId);
    });

    app.post<{ Body: { user: string; role?: Role } }>('/tokens', {
      schema: {
        tags, summary: 'Issue an API token for a user, creating the user when a role is given (admin)', security,
        body: { type: 'object', required: ['user'], additionalProperties: false, properties: { user: nameString, role: { type: 'string', enum: ROLES } } },
        response: { 201: issuedSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      const issued = await issueUserToken(ctx, req.body.user, req.body.role);
      req.log.info({ user: issued.userInfo.name, tokenId: issued.token.id }, 'token issued');
      return reply.code(201).send({ secret: issued.secret, token: issued.token, user: issued.userInfo });
    });

    app.delete<{ Params: { id: number } }>('/tokens/:id', {
      schema: {
        tags, summary: 'Revoke a token (admin, or the user it belongs to)', security,
        params: idParams,
        response: { 200: tokenSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req) => {
      const me = requireUser(req.principal, 'read-only');
      const token = await getToken(ctx, req.params.id);
      if (me.role !== 'admin' && token.user !== me.name) throw new ForbiddenError(`token ${token.id} is not yours; only an admin may revoke it`);
      const revoked = await revokeToken(ctx, token.id);
      req.log.info({ tokenId: token.id }, 'token revoked');
      return revoked;
    });
  };
}
