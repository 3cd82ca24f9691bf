/**
 * Advisory ids: PREFIX + S/B/E + `A-` + year + `:` + number (DFSA-2026:0001). The number comes
 * from one counter row per prefix, kind letter and year, taken with a single upsert
 * (`INSERT … ON CONFLICT DO UPDATE SET last_number = last_number + 1 RETURNING`): on PostgreSQL
 * a concurrent creation waits for the row until the first transaction ends, on SQLite writers are
 * serialised, so two creations never get the same number; a creation that rolls back gives its
 * number back.
 */
import type { Context } from '../context.ts';
import type { Platform } from '../platforms/types.ts';
import { DEFAULT_ADVISORY_PREFIX, type AdvisoryType } from './types.ts';

/** `SA`, `BA` or `EA` (enhancement and newpackage share `EA`, as RHEA and ALEA do). */
export function kindLetters(type: AdvisoryType): 'SA' | 'BA' | 'EA' {
  return type === 'security' ? 'SA' : type === 'bugfix' ? 'BA' : 'EA';
}

/** The letters a platform's advisory ids start with. */
export function advisoryPrefix(platform: Pick<Platform, 'advisoryPrefix'>): string {
  return platform.advisoryPrefix ?? DEFAULT_ADVISORY_PREFIX;
}

/** The form of every advisory id (JSON schema `pattern` and checks). */
export const ADVISORY_ID_PATTERN = '^[A-Z]{2,8}[SBE]A-[0-9]{4}:[0-9]{4,9}$';

/**
 * Takes the next number for `prefix` + `type`'s letters in `year` and returns the id. Call it
 * inside the transaction that stores the advisory.
 */
export async function nextAdvisoryId(tx: Context, prefix: string, type: AdvisoryType, year: number): Promise<string> {
  const kind = kindLetters(type);
  const row = await tx.db.kysely
    .insertInto('advisory_counters')
    .values({ prefix, kind, year, last_number: 1 })
    .onConflict((oc) => oc.columns(['prefix', 'kind', 'year']).doUpdateSet((eb) => ({ last_number: eb('advisory_counters.last_number', '+', 1) })))
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return `${prefix}${kind}-${year}:${String(row.last_number).padStart(4, '0')}`;
}
