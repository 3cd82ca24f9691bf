/**
 * changelog_entry: a new entry at the top of %changelog, with the author, e-mail, date and the
 * EVR of the spec as modified so far (so put it after modify_release).
 */
import { evrOf } from '../rpmspec.ts';
import type { ChangelogEntryAction } from '../types.ts';
import { actionFailure, currentIdentity, readTarget, type ActionContext } from './context.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Thu Jan 01 2026`: the date format of %changelog (UTC). */
export function changelogDate(d: Date): string {
  const day = String(d.getUTCDate()).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${d.getUTCFullYear()}`;
}

export async function applyChangelogEntry(a: ChangelogEntryAction, ctx: ActionContext): Promise<string> {
  const spec = readTarget(ctx, 'spec');
  const at = spec.lines.findIndex((l) => /^%changelog\s*$/.test(l));
  if (at < 0) throw actionFailure(ctx, spec.name, 'no %changelog section');
  const evr = evrOf(await currentIdentity(ctx));
  const date = a.date === null ? ctx.upstreamDate : new Date(`${a.date}T00:00:00Z`);
  const header = `* ${changelogDate(date)} ${a.author} <${a.email}> - ${evr}`;
  const body = a.lines.map((l) => (l.startsWith('-') ? l : `- ${l}`));
  const rest = spec.lines.slice(at + 1);
  const separator = rest.length > 0 && rest[0]?.trim() !== '' ? [''] : [];
  spec.lines.splice(at + 1, 0, header, ...body, ...separator);
  spec.save();
  return `changelog_entry: ${header}`;
}
