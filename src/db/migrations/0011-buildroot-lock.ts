/**
 * A rebuild may ask for the same package set: `builds.buildroot_from` names the build whose tasks'
 * recorded build roots the new build's tasks install exactly (null: roots resolved afresh).
 */
import type { Kysely, Migration } from 'kysely';

export function buildrootLockSchema(): Migration {
  return {
    up: async (db: Kysely<unknown>) => {
      await db.schema.alterTable('builds').addColumn('buildroot_from', 'integer').execute();
    },
  };
}
