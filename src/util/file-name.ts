/**
 * What a plain file name is, wherever the server takes one (lookaside uploads and downloads,
 * artifacts, dist-git `sources` lines): not empty, not `.` or `..`, no `/` or `\` (so it cannot
 * leave the directory it is written into), none of the characters of ./text.ts (controls, and
 * the bidirectional and zero-width formatting characters that make `evil\u202Egpj.rpm` display
 * as another name), at most 255 bytes. A leaf module (imports nothing of ours but ./text.ts).
 */
import { unsafeCharacter } from './text.ts';

/** Longest file name, in UTF-8 bytes (the common file system limit). */
export const MAX_FILE_NAME_BYTES = 255;

/** Why `name` is not a plain file name, as a phrase that follows the name (`is a path, …`), or null. */
export function plainFileNameProblem(name: string): string | null {
  if (name === '' || name === '.' || name === '..') return 'is not a file name';
  if (name.includes('/') || name.includes('\\')) return 'is a path, not a file name (path traversal refused)';
  const unsafe = unsafeCharacter(name);
  if (unsafe) return `holds a control or invisible formatting character (${unsafe})`;
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_FILE_NAME_BYTES) return `is ${bytes} bytes long (at most ${MAX_FILE_NAME_BYTES})`;
  return null;
}

/** `name` quoted for a message: shortened when long, anything outside printable ASCII escaped (`"evil\u202egpj.rpm"`). */
export function quoteFileName(name: string): string {
  const shown = name.length > 80 ? `${name.slice(0, 60)}…` : name;
  return JSON.stringify(shown).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
