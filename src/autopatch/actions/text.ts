/**
 * Text actions on the spec or any file of the tree: replace (literal or regular expression, with
 * the exact number of matches required), delete_line and add_line.
 */
import type { AddLineAction, DeleteLineAction, ReplaceAction } from '../types.ts';
import { actionFailure, escapeRegex, quote, readTarget, type ActionContext } from './context.ts';

/** Replaces `find` by `replace`; the number of matches must equal `count`. */
export function applyReplace(a: ReplaceAction, ctx: ActionContext): string {
  const file = readTarget(ctx, a.target);
  const text = file.lines.join('\n');
  const pattern = new RegExp(a.regex ? a.find : escapeRegex(a.find), 'gm');
  const found = text.match(pattern)?.length ?? 0;
  if (found !== a.count) {
    throw actionFailure(ctx, file.name, `${a.regex ? 'pattern' : 'text'} ${quote(a.find)} ${found === 0 ? 'not found' : `found ${found} times`} (expected ${a.count})`);
  }
  const out = a.regex ? text.replace(pattern, a.replace) : text.split(a.find).join(a.replace);
  file.lines = out.split('\n');
  file.save();
  return `replace: ${quote(a.find)} → ${quote(a.replace)} in ${file.name} (${found}×)`;
}

/** True when `line` is `wanted` (literal, ignoring trailing white space) or matches it (regex, whole line). */
function lineMatches(line: string, wanted: string, regex: boolean): boolean {
  return regex ? new RegExp(`^(?:${wanted})$`).test(line) : line.trimEnd() === wanted.trimEnd();
}

/** Deletes every line equal to (or matching) each entry; each entry must match at least once. */
export function applyDeleteLine(a: DeleteLineAction, ctx: ActionContext): string {
  const file = readTarget(ctx, a.target);
  for (const wanted of a.lines) {
    if (!file.lines.some((l) => lineMatches(l, wanted, a.regex))) {
      throw actionFailure(ctx, file.name, `line ${quote(wanted)} not found`);
    }
  }
  const before = file.lines.length;
  file.lines = file.lines.filter((l) => !a.lines.some((w) => lineMatches(l, w, a.regex)));
  file.save();
  return `delete_line: ${before - file.lines.length} line(s) from ${file.name}`;
}

/** Inserts lines after/before the first line equal to (or matching) the anchor, or at the top/bottom. */
export function applyAddLine(a: AddLineAction, ctx: ActionContext): string {
  const file = readTarget(ctx, a.target);
  let at: number;
  if (a.position === 'top') at = 0;
  else if (a.position === 'bottom') at = file.lines.length;
  else {
    const anchor = a.anchor ?? '';
    const i = file.lines.findIndex((l) => lineMatches(l, anchor, a.regex));
    if (i < 0) throw actionFailure(ctx, file.name, `anchor line ${quote(anchor)} not found`);
    at = a.position === 'after' ? i + 1 : i;
  }
  file.lines.splice(at, 0, ...a.lines);
  file.save();
  return `add_line: ${a.lines.length} line(s) ${a.position}${a.anchor === null ? '' : ` ${quote(a.anchor)}`} in ${file.name}`;
}
