/**
 * Who is calling: an onRequest hook reads `Authorization: Bearer TOKEN`, looks the token up by its
 * sha256, and sets `request.principal` (see principal.ts). No header means anonymous; a malformed
 * header or an unknown or revoked token is refused with 401 before the body is even read.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { lookupToken } from '../auth/tokens.ts';
import type { Context } from '../context.ts';
import { UnauthorizedError, type Principal } from './principal.ts';

const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The principal for an Authorization header value (undefined: anonymous). @throws UnauthorizedError */
export async function principalFor(ctx: Context, header: string | undefined): Promise<Principal> {
  if (header === undefined || header.trim() === '') return ANONYMOUS;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) throw new UnauthorizedError('unsupported Authorization header; send Authorization: Bearer TOKEN');
  const owner = await lookupToken(ctx, m[1]);
  if (!owner) throw new UnauthorizedError('unknown or revoked token');
  return owner.kind === 'user'
    ? { kind: 'user', userId: owner.userId, name: owner.name, role: owner.role }
    : { kind: 'node', nodeId: owner.nodeId, name: owner.name };
}

/** Installs the hook that sets `request.principal` on every request. */
export function registerAuth(app: FastifyInstance, ctx: Context): void {
  // Fastify wants null for reference-typed request decorations; the hook sets it before any handler.
  app.decorateRequest('principal', null, []);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    request.principal = ANONYMOUS;
    request.principal = await principalFor(ctx, request.headers.authorization);
  });
}
