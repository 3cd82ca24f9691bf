/**
 * Errata (src/errata): advisories, their references (CVE, bugzilla, upstream advisory, self, other)
 * and the built packages each covers, and the counters advisory numbers come from, one row per
 * id prefix, kind letter and year (`DFSA` 2026 → DFSA-2026:0001, 0002, …).
 *
 * `advisories.release_id` names the release that first published the advisory; it has no foreign
 * key, because the releases table comes from migration 0012 (the release system).
 *
 * Two indexes on other domains' tables serve the check that an advisory's packages were built
 * for its platform (rpm_packages by NEVRA, artifacts by sha256); `ifNotExists`, so another
 * migration may have made them first.
 */
import type { Kysely, Migration } from 'kysely';

/** Integer milliseconds: bigint in PostgreSQL (read back as numbers), integer in SQLite. */
const MS = 'bigint';

export function errataSchema(): Migration {
  return { up };
}

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('advisories')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('severity', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('solution', 'text', (c) => c.notNull())
    .addColumn('reboot_suggested', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('modified_at', MS, (c) => c.notNull())
    .addColumn('approved_by', 'integer', (c) => c.references('users.id'))
    .addColumn('approved_at', MS)
    .addColumn('issued_at', MS)
    .addColumn('updated_at', MS)
    .addColumn('retracted_by', 'integer', (c) => c.references('users.id'))
    .addColumn('retracted_at', MS)
    .addColumn('retraction_reason', 'text')
    .addColumn('release_id', 'integer')
    .execute();
  await db.schema.createIndex('advisories_platform_state').on('advisories').columns(['platform', 'state']).execute();
  await db.schema.createIndex('advisories_created_at').on('advisories').column('created_at').execute();
  await db.schema
    .createTable('advisory_references')
    .addColumn('advisory_id', 'text', (c) => c.notNull().references('advisories.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('ref_id', 'text', (c) => c.notNull())
    .addColumn('href', 'text')
    .addColumn('title', 'text')
    .addPrimaryKeyConstraint('advisory_references_pk', ['advisory_id', 'position'])
    .addUniqueConstraint('advisory_references_once', ['advisory_id', 'type', 'ref_id'])
    .execute();
  await db.schema.createIndex('advisory_references_ref').on('advisory_references').columns(['type', 'ref_id']).execute();
  await db.schema
    .createTable('advisory_packages')
    .addColumn('advisory_id', 'text', (c) => c.notNull().references('advisories.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('nevra', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('epoch', 'integer')
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('source_name', 'text', (c) => c.notNull())
    .addColumn('source_version', 'text', (c) => c.notNull())
    .addColumn('source_release', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('advisory_packages_pk', ['advisory_id', 'position'])
    .addUniqueConstraint('advisory_packages_once', ['advisory_id', 'nevra'])
    .execute();
  await db.schema.createIndex('advisory_packages_name').on('advisory_packages').column('name').execute();
  await db.schema.createIndex('advisory_packages_source').on('advisory_packages').column('source_name').execute();
  await db.schema
    .createTable('advisory_counters')
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('last_number', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('advisory_counters_pk', ['prefix', 'kind', 'year'])
    .execute();
  await db.schema.createIndex('rpm_packages_nevra').ifNotExists().on('rpm_packages').columns(['name', 'version', 'release', 'arch']).execute();
  await db.schema.createIndex('artifacts_sha256').ifNotExists().on('artifacts').column('sha256').execute();
}
