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

/** A token secret as it can appear in text (`df_` + 43 base64url characters), to keep it out of messages. */
export const SECRET_PATTERN = /df_[A-Za-z0-9_-]{43}/g;

/**
 * Whether `text` can be a token at all: printable ASCII without spaces (a token pasted with a line
 * break, say, is not; it must then be refused without being shown, or sent in a header).
 */
export function isTokenText(text: string): boolean {
  return /^[\x21-\x7e]+$/.test(text);
}

/** The stored form of a secret: its sha256 in hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
