/**
 * Helpers for the errata tests: a real master with two platforms (example-el9 with the default
 * advisory prefix DF, other-el8 with prefix OT), users of each role, and built packages: real RPM
 * files written with src/rpm's writer, stored and indexed as the artifacts of a succeeded task of
 * a platform, as a build node's uploads are.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueUserToken } from '../../src/auth/tokens.ts';
import type { AdvisoryRecord } from '../../src/errata/index.ts';
import { buildRpm, rpmFileName, type RpmSpec } from '../../src/rpm/writer.ts';
import { rpmIndexRow } from '../../src/scheduler/index.ts';
import { insertBuildItem } from '../support/queued-tasks.ts';
import { api, examplePlatform, startTestServer, type ApiResponse, type TestServer, type TestServerOptions } from '../support/server.ts';

export const OTHER_PLATFORM = { name: 'other-el8', arches: ['x86_64', 'noarch'], distTag: '.el8', advisoryPrefix: 'OT', lifecycle: { version: '8.10' } };

export interface ErrataServer extends TestServer {
  maintainer: string;
  reader: string;
  /** Where package files are written. */
  work: string;
}

/** A master with example-el9 and other-el8, a maintainer (maint) and a read-only user (reader). */
export async function startErrataServer(opts: Omit<TestServerOptions, 'platforms'> = {}): Promise<ErrataServer> {
  const server = await startTestServer({ ...opts, platforms: [examplePlatform(), OTHER_PLATFORM] });
  const maintainer = (await issueUserToken(server.ctx, 'maint', 'maintainer')).secret;
  const reader = (await issueUserToken(server.ctx, 'reader', 'read-only')).secret;
  const work = mkdtempSync(join(tmpdir(), 'distforge-errata-'));
  return {
    ...server,
    maintainer,
    reader,
    work,
    async close() {
      await server.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** A built package file. */
export interface BuiltFile {
  nevra: string;
  path: string;
  filename: string;
  /** The SRPM's file name ("" for an SRPM). */
  src: string;
  sha256: string;
}

/** A small package `name` (one file under /usr/share/NAME), built from source package `source` (default: itself). */
export function packageSpec(name: string, version: string, release: string, arch: string, options: { epoch?: number; source?: string } = {}): RpmSpec {
  const sourceName = options.source ?? name;
  return {
    name, version, release, arch,
    ...(options.epoch !== undefined && { epoch: options.epoch }),
    summary: `${name} for the errata tests`,
    description: `${name}.`,
    license: 'MIT',
    buildtime: 1_700_000_000,
    ...(arch !== 'src' && { sourcerpm: `${sourceName}-${version}-${release}.src.rpm` }),
    files: arch === 'src' ? [{ path: `${name}.spec`, data: `Name: ${name}\n` }] : [{ path: `/usr/share/${name}/README`, data: `${name} ${version}-${release}\n` }],
  };
}

/**
 * Writes the packages of `specs`, stores them and records them as the artifacts of one succeeded
 * rpm task of `platform` (the SRPM ones: of an srpm task). Returns the files, in order.
 */
export async function addBuiltPackages(server: ErrataServer, platform: string, specs: RpmSpec[]): Promise<BuiltFile[]> {
  const { ctx } = server;
  const db = ctx.db.kysely;
  const admin = await db.selectFrom('users').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow();
  const item = await insertBuildItem(ctx, admin.id, platform);
  const tasks = new Map<string, number>();
  const taskFor = async (kind: 'srpm' | 'rpm', arch: string): Promise<number> => {
    const known = tasks.get(`${kind} ${arch}`);
    if (known !== undefined) return known;
    const now = ctx.now();
    const row = await db
      .insertInto('tasks')
      .values({ build_id: item.buildId, item_id: item.itemId, kind, platform, arch, state: 'succeeded', priority: 0, owner_id: admin.id, attempt: 1, max_attempts: 3, created_at: now, queued_at: now, started_at: now, finished_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    tasks.set(`${kind} ${arch}`, row.id);
    return row.id;
  };
  const dir = join(server.work, platform);
  mkdirSync(dir, { recursive: true });
  const out: BuiltFile[] = [];
  for (const spec of specs) {
    const data = buildRpm(spec);
    const filename = rpmFileName(spec);
    const path = join(dir, filename);
    writeFileSync(path, data);
    const blob = await ctx.store.put(data);
    const kind = spec.arch === 'src' ? 'srpm' : 'rpm';
    const taskId = await taskFor(kind, spec.arch === 'src' ? 'src' : spec.arch);
    const row = rpmIndexRow({ data }, { name: filename, kind, sha256: blob.sha256, size: blob.size }, ctx.now());
    await db.insertInto('artifacts').values({ task_id: taskId, name: filename, kind, sha256: blob.sha256, size: blob.size, created_at: ctx.now() }).execute();
    await db.insertInto('rpm_packages').values(row).onConflict((oc) => oc.column('sha256').doNothing()).execute();
    const epoch = spec.epoch ? `${spec.epoch}:` : '';
    out.push({ nevra: `${spec.name}-${epoch}${spec.version}-${spec.release}.${spec.arch}`, path, filename, src: spec.sourcerpm ?? '', sha256: blob.sha256 });
  }
  return out;
}

/** A valid create body for `platform` with `packages`, overridden by `extra`. */
export function advisoryBody(platform: string, packages: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    platform,
    type: 'security',
    severity: 'Important',
    title: 'Important: foo security update',
    description: 'A flaw was found in foo.',
    solution: 'Update foo.',
    references: [{ type: 'cve', id: 'CVE-2026-1234' }],
    packages,
    ...extra,
  };
}

/** POST /errata as `token`; returns the answer. */
export function createAdvisory<T = Record<string, unknown>>(server: TestServer, token: string, body: unknown): Promise<ApiResponse<T>> {
  return api<T>(server, 'POST', '/errata', { token, body });
}

/** POST /errata as `token` (default: the maintainer), which must answer 201; returns the advisory. */
export async function newAdvisory(server: ErrataServer, body: unknown, token = server.maintainer): Promise<AdvisoryRecord> {
  const r = await createAdvisory<AdvisoryRecord>(server, token, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** A new advisory approved by the admin (through the API); returns it approved. */
export async function approvedAdvisory(server: ErrataServer, body: unknown): Promise<AdvisoryRecord> {
  const a = await newAdvisory(server, body);
  const r = await api<AdvisoryRecord>(server, 'POST', `/errata/${a.id}/approve`, { token: server.adminToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** The rows of every errata table, for "nothing changed" checks. */
export async function errataRows(server: TestServer): Promise<string> {
  const db = server.ctx.db.kysely;
  const tables = ['advisories', 'advisory_references', 'advisory_packages', 'advisory_counters'] as const;
  const out: string[] = [];
  for (const t of tables) out.push(`${t}: ${JSON.stringify(await db.selectFrom(t).selectAll().execute())}`);
  return out.join('\n');
}
