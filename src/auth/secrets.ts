/**
 * Token secrets: `df_` + 32 random bytes in base64url; the database keeps only the sha256 (hex),
 * so a leaked database does not leak working tokens.
 */
import { createHash, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'df_';

/** A new random token secret. */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** The stored form of a secret: its sha256 in hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
