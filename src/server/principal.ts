/**
 * Who is calling: set on every request by the auth hook from its `Authorization: Bearer TOKEN`
 * header (only the token's sha256 is stored). Route handlers ask for what they need with
 * `requireUser` / `requireNode`, which throw the right 401/403 error.
 *
 * Terminology:
 * - role: admin (everything), maintainer (submit and manage builds), read-only (read); anonymous
 *   callers may read public builds and logs.
 */
import type {} from 'fastify';
import { DistforgeError } from '../errors.ts';
import type { Role } from '../db/schema.ts';

export type Principal =
  | { kind: 'user'; userId: number; name: string; role: Role }
  | { kind: 'node'; nodeId: number; name: string }
  | { kind: 'anonymous' };

const RANK: Record<Role, number> = { 'read-only': 0, maintainer: 1, admin: 2 };

export class UnauthorizedError extends DistforgeError {
  constructor(message = 'a valid token is required (Authorization: Bearer TOKEN)') {
    super('unauthorized', message, { status: 401 });
  }
}

export class ForbiddenError extends DistforgeError {
  constructor(message: string) {
    super('forbidden', message, { status: 403 });
  }
}

/** The calling user, if they have at least `role`. */
export function requireUser(p: Principal, role: Role): Extract<Principal, { kind: 'user' }> {
  if (p.kind === 'anonymous') throw new UnauthorizedError();
  if (p.kind !== 'user') throw new ForbiddenError('a node token cannot be used for this call');
  if (RANK[p.role] < RANK[role]) throw new ForbiddenError(`this call needs the ${role} role; ${p.name} is ${p.role}`);
  return p;
}

/** The calling node. */
export function requireNode(p: Principal): Extract<Principal, { kind: 'node' }> {
  if (p.kind === 'anonymous') throw new UnauthorizedError();
  if (p.kind !== 'node') throw new ForbiddenError('this call is for build nodes (a node token is required)');
  return p;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}
