/**
 * The pieces every request schema is made of, so that no text field is unbounded and no number
 * absurd: one-line text (bounded, no control or invisible formatting characters), free text
 * (bounded, no NUL), names, ids (integers a 32-bit database column holds), and the `{name}` and
 * `{id}` path parameters. Response schemas may use them too; only requests are checked with them.
 */
import { MAX_NAME_LENGTH } from '../../platforms/names.ts';
import { NO_NUL_PATTERN, SAFE_LINE_PATTERN } from '../../util/text.ts';

/** Largest id, sequence number or offset a request may give (PostgreSQL's `integer`). */
export const MAX_INT = 2_147_483_647;

/** One line of at most `maxLength` characters, without control or formatting characters. */
export function line<E extends object = object>(maxLength: number, extra?: E) {
  return { type: 'string', maxLength, pattern: SAFE_LINE_PATTERN, ...extra } as const;
}

/** Free text (several lines) of at most `maxLength` characters, without NUL. */
export function freeText<E extends object = object>(maxLength: number, extra?: E) {
  return { type: 'string', maxLength, pattern: NO_NUL_PATTERN, ...extra } as const;
}

/** A name (platform, node, user, mirror, rule …): its form is checked by the domain (invalid_name). */
export const nameString = line(MAX_NAME_LENGTH, { minLength: 1 });

/** An id in a path or a query. */
export const idInteger = { type: 'integer', minimum: 1, maximum: MAX_INT } as const;

/** `{name}` path parameters. */
export const nameParams = { type: 'object', required: ['name'], properties: { name: nameString } } as const;

/** `{id}` path parameters. */
export const idParams = { type: 'object', required: ['id'], properties: { id: idInteger } } as const;
