/**
 * Durations on the command line: `90s`, `30m`, `2h`, `1d`, `1w`, or several (`1h30m`); a bare
 * number is seconds.
 */
import { UsageError } from '../errors.ts';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(?:\d+[smhdw])+$/;

/** `2h` → 7200. @throws UsageError naming `flag` when `text` is not a duration */
export function parseDurationSeconds(flag: string, text: string): number {
  const t = text.trim();
  let seconds: number;
  if (/^\d+$/.test(t)) seconds = Number(t);
  else if (DURATION.test(t)) seconds = [...t.matchAll(/(\d+)([smhdw])/g)].reduce((sum, m) => sum + Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] ?? 1), 0);
  else throw new UsageError(`${flag}: "${text}" is not a duration (for example 90m, 2h, 1d or 1h30m; a bare number is seconds)`);
  if (!Number.isSafeInteger(seconds)) throw new UsageError(`${flag}: "${text}" is too long`);
  return seconds;
}

/** 93600 → `1d2h`, 5400 → `1h30m`, 45 → `45s`: the largest two units. */
export function formatDurationSeconds(seconds: number): string {
  let rest = Math.max(0, Math.round(seconds));
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join('');
}
