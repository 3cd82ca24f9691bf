/** Errors of users, nodes and tokens (names and conflicts share src/platforms/errors.ts). */
import { DistforgeError } from '../errors.ts';
import { ROLES } from './types.ts';
import type { Role } from '../db/schema.ts';

/** A value that is not one of the allowed ones (a role, an arch, a capability, a number). */
export class InvalidValueError extends DistforgeError {
  constructor(message: string) {
    super('bad_request', message, { status: 400 });
  }
}

/** Returns `value` as a Role. @throws InvalidValueError */
export function checkRole(value: unknown): Role {
  if (typeof value === 'string' && (ROLES as readonly string[]).includes(value)) return value as Role;
  throw new InvalidValueError(`invalid role ${JSON.stringify(value)} (expected one of ${ROLES.join(', ')})`);
}
