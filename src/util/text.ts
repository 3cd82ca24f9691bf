/**
 * Characters that have no place in a name, a URL, a file name or any other one-line text the
 * server accepts: controls (C0, DEL, C1), format characters (the bidirectional marks, embeddings,
 * overrides and isolates U+200E/U+200F, U+202A–U+202E, U+2066–U+2069, zero-width characters, the
 * BOM …: they make a name display as another), line and paragraph separators, and lone surrogates.
 * A leaf module: any folder may use it (it imports nothing of ours).
 */

/** One unsafe character (see the module's description). */
export const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** JSON-schema `pattern` of one-line text without unsafe characters (Ajv compiles it with the `u` flag). */
export const SAFE_LINE_PATTERN = '^[^\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}]*$';

/** JSON-schema `pattern` of free text (several lines, tabs): anything but NUL, which no database column stores. */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';

/** `U+202E` for the first unsafe character of `text`, or null when it has none. */
export function unsafeCharacter(text: string): string | null {
  const m = UNSAFE_CHARACTER.exec(text);
  if (!m) return null;
  return `U+${(m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `text` is not acceptable one-line text (naming the character, never echoing it), or null. */
export function unsafeTextProblem(text: string): string | null {
  const c = unsafeCharacter(text);
  return c === null ? null : `holds a control or invisible formatting character (${c})`;
}
