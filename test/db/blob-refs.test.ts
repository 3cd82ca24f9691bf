/**
 * The reference registry on a real database (SQLite, or PostgreSQL with DISTFORGE_TEST_PG) and a
 * real local store: every column of the schema that holds a sha256 is declared (or said to name
 * no blob), so a new table cannot lose its blobs unnoticed; release versions count as references
 * while they are kept (staged, published, expired within the grace period), and a package only an
 * expired version names is collected; a JSON object of sha256s (build_repo_metadata.files of
 * several masters) is read on both databases; a declared table not yet created is skipped when
 * optional and refused otherwise, a declared column that is missing is refused.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { allReferenced, BLOB_REFERENCES, NOT_BLOB_COLUMNS, presentReferences, referencedAmong, runStoreGc, type BlobReference } from '../../src/blob-refs/index.ts';
import type { Context } from '../../src/context.ts';
import { releasesDb } from '../../src/releases/schema.ts';
import { closeContext, createContext } from '../../src/server/context-factory.ts';
import { freshDatabaseUrl, TEST_DIALECT } from '../support/db.ts';

const HOUR = 3600_000;
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe(`the blob reference registry (${TEST_DIALECT})`, () => {
  let ctx: Context;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'distforge-blob-refs-'));
    ctx = await createContext({ dataDir: dir, db: await freshDatabaseUrl(), publicUrl: 'http://127.0.0.1', logLevel: 'silent' });
  });
  after(async () => {
    await closeContext(ctx);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Stores `text` as a blob written `hoursAgo` hours ago; returns its sha256. */
  async function oldBlob(text: string, hoursAgo = 100): Promise<string> {
    const { sha256 } = await ctx.store.put(Buffer.from(text));
    const at = new Date(Date.now() - hoursAgo * HOUR);
    utimesSync(ctx.store.localPath(sha256) ?? '', at, at);
    return sha256;
  }

  test('every column that holds a sha256 or a hash is declared, or said to name no blob', async () => {
    const declared = new Set([...BLOB_REFERENCES, ...NOT_BLOB_COLUMNS].map((r) => `${r.table}.${r.column}`));
    const undeclared: string[] = [];
    for (const t of await ctx.db.kysely.introspection.getTables()) {
      for (const c of t.columns) if (/sha256|hash$/.test(c.name) && !declared.has(`${t.name}.${c.name}`)) undeclared.push(`${t.name}.${c.name}`);
    }
    assert.deepEqual(undeclared, [], 'add them to src/blob-refs/registry.ts');
    // Every declared table that is not optional exists.
    assert.equal((await presentReferences(ctx)).length, BLOB_REFERENCES.filter((r) => !r.optional).length);
  });

  test("release versions name their packages while kept; a package only expired versions name is collected", async () => {
    const db = releasesDb(ctx);
    const now = Date.now();
    const release = await db.insertInto('releases').values({ platform: 'p', state: 'released', note: null, forced: 0, created_by: null, created_at: now, updated_at: now, committed_by: null, committed_at: null, released_at: now, reverted_by: null, reverted_at: null, sign_task_id: null, failure_reason: null }).returning('id').executeTakeFirstOrThrow();
    const pkg = {
      onlyExpired: await oldBlob('only in a version expired 48 h ago'),
      alsoKept: await oldBlob('in the expired version and a published one'),
      served: await oldBlob('served by the channel now'),
      recentlyExpired: await oldBlob('in a version expired an hour ago'),
      discarded: await oldBlob('in a discarded version'),
      repomdExpired: await oldBlob('<repomd/> of the version expired 48 h ago'),
      repomdPublished: await oldBlob('<repomd/> of the published version'),
    };
    const version = async (number: number, state: string, supersededAt: number | null, repomd: string): Promise<number> =>
      (await db.insertInto('repo_versions').values({ platform: 'p', repo: 'BaseOS', channel: 'x86_64', number, release_id: release.id, cause: 'release', state: state as 'published', base: null, packages: 1, advisories: 0, repomd_sha256: repomd, created_at: now, published_at: now, superseded_at: supersededAt }).returning('id').executeTakeFirstOrThrow()).id;
    const row = (s: string, name: string) => ({ sha256: s, artifact_id: null, name, epoch: null, version: '1', release: '1', arch: 'x86_64', href: `Packages/${name}.rpm`, file_time: 1 });
    const expired = await version(1, 'expired', now - 48 * HOUR, pkg.repomdExpired);
    const recent = await version(2, 'expired', now - HOUR, sha('never stored 1'));
    const discarded = await version(3, 'discarded', null, sha('never stored 2'));
    const published = await version(4, 'published', null, pkg.repomdPublished);
    await db.insertInto('repo_version_changes').values([
      { version_id: expired, change: 'added', ...row(pkg.onlyExpired, 'a') },
      { version_id: expired, change: 'added', ...row(pkg.alsoKept, 'b') },
      { version_id: published, change: 'removed', ...row(pkg.alsoKept, 'b') },
      { version_id: recent, change: 'added', ...row(pkg.recentlyExpired, 'c') },
      { version_id: discarded, change: 'added', ...row(pkg.discarded, 'd') },
    ]).execute();
    await db.insertInto('channel_packages').values({ platform: 'p', repo: 'BaseOS', channel: 'x86_64', release_id: release.id, ...row(pkg.served, 'e') }).execute();

    const dry = await runStoreGc(ctx, { dryRun: true });
    assert.deepEqual(new Set(dry.blobs.map((b) => b.sha256)), new Set([pkg.onlyExpired, pkg.discarded, pkg.repomdExpired]));
    // A longer grace period keeps the version that expired 48 h ago.
    const longer = await runStoreGc(ctx, { dryRun: true, graceSeconds: 72 * 3600 });
    assert.deepEqual(longer.blobs.map((b) => b.sha256), [pkg.discarded]);
    const real = await runStoreGc(ctx, { dryRun: false });
    assert.equal(real.blobs.length, 3);
    for (const s of [pkg.alsoKept, pkg.served, pkg.recentlyExpired, pkg.repomdPublished]) assert.equal(await ctx.store.has(s), true);
    for (const s of [pkg.onlyExpired, pkg.discarded, pkg.repomdExpired]) assert.equal(await ctx.store.has(s), false);
  });

  test('a JSON object of sha256s is read on both databases; declared tables not yet made are skipped only when optional', async () => {
    await sql`CREATE TABLE gc_json_test (id integer, files text)`.execute(ctx.db.kysely);
    const [a, b, c] = ['repomd.xml', 'primary.xml.zst', 'filelists.xml.zst'].map(sha) as [string, string, string];
    await sql`INSERT INTO gc_json_test (id, files) VALUES (1, ${JSON.stringify({ 'repomd.xml': a, 'primary.xml.zst': b })}), (2, ${JSON.stringify({ 'filelists.xml.zst': c })}), (3, ${'{}'})`.execute(ctx.db.kysely);
    const json: BlobReference = { domain: 'test', table: 'gc_json_test', column: 'files', holds: 'json-object-values', what: 'test' };
    const notYet: BlobReference = { domain: 'test', table: 'gc_not_yet', column: 'sha256', holds: 'sha256', optional: true, what: 'test' };
    const refs = await presentReferences(ctx, [json, notYet]);
    assert.deepEqual(refs, [json]);
    const at = { keptSince: 0 };
    assert.deepEqual([...(await allReferenced(ctx, refs, at))].sort(), [a, b, c].sort());
    assert.deepEqual([...(await referencedAmong(ctx, refs, at, [c, sha('other')]))], [c]);
    await assert.rejects(presentReferences(ctx, [{ ...notYet, optional: false }]), /names table gc_not_yet, which the database does not have/);
    await assert.rejects(presentReferences(ctx, [{ ...json, column: 'blobs' }]), /names gc_json_test\.blobs, which the database does not have/);
  });
});
