/**
 * Escaping text for the XML we write, as libxml2 serialises it for createrepo_c, so our files and
 * createrepo_c's read the same and (for the same input) are byte-identical.
 *
 * Terminology:
 * - text: element content; `&`, `<`, `>` and carriage return are escaped.
 * - attribute value: always double-quoted; `"`, tab and newline are escaped too, and so is every
 *   non-ASCII character, as a character reference (`&#xE1;`): libxml2 does that in attributes.
 * - characters XML 1.0 forbids (C0 controls other than tab/newline/return, U+FFFE, U+FFFF,
 *   unpaired surrogates) are dropped: no XML parser would read a file that has them.
 */

/* eslint-disable no-control-regex -- these patterns exist to find control characters */
const NEEDS_TEXT = /[&<>\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\ud800-\udfff]/;
const NEEDS_ATTR = /[&<>"\t\n\r\u0000-\u0008\u000b\u000c\u000e-\u001f\u0080-\uffff]/;
const TEXT_CHARS = /[&<>\r]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ATTR_CHARS = /[&<>"\t\n\r]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]|[\u0080-\ufffd]/g;
/* eslint-enable no-control-regex */

const ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

const replace = (c: string): string => ENTITY[c] ?? '';

/** Attribute characters: entities, dropped characters, or a character reference. */
function replaceInAttr(c: string): string {
  const e = ENTITY[c];
  if (e !== undefined) return e;
  const cp = c.codePointAt(0) ?? 0;
  // Dropped: controls, U+FFFE/U+FFFF and unpaired surrogates (a pair is one two-unit match).
  if (cp < 0x80 || cp === 0xfffe || cp === 0xffff || (c.length === 1 && cp >= 0xd800 && cp <= 0xdfff)) return '';
  return `&#x${cp.toString(16).toUpperCase()};`;
}

/** Escapes element content. */
export function escapeText(s: string): string {
  return NEEDS_TEXT.test(s) ? s.replace(TEXT_CHARS, replace) : s;
}

/** Escapes an attribute value (to be written between double quotes). */
export function escapeAttr(s: string): string {
  return NEEDS_ATTR.test(s) ? s.replace(ATTR_CHARS, replaceInAttr) : s;
}
