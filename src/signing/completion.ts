/**
 * A sign task's completion: every srpm and rpm of the tasks it depends on must have come back
 * signed — same header as the original, digests intact, a signature by the requested key that
 * checks against the registered public key (checked before the completing transaction) — and then
 * each signature is recorded inside it (package, key, time, signer, signed sha256 beside the
 * original's). Anything missing or wrong throws, nothing is recorded, and the task stays leased:
 * a half-signed build never shows as signed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../context.ts';
import { localBlobIn } from '../storage/blob-files.ts';
import { readBlob } from '../storage/read-blob.ts';
import type { Task } from '../db/schema.ts';
import { readPublicKeys } from '../pgp/keys.ts';
import { readRpmBuffer, readRpmFileSync, RpmFormatError, verifyRpm } from '../rpm/index.ts';
import { hasRowLocks } from '../scheduler/transaction.ts';
import { BadSignatureError } from './errors.ts';
import { signingDb } from './schema.ts';
import { isBuildSigned } from './view.ts';

/** The key a sign or sign-repo task was asked to sign with, and its public key. @throws BadSignatureError */
export async function requestedKey(ctx: Context, task: Pick<Task, 'id' | 'kind'>): Promise<{ keyid: string; public_key: string }> {
  const request = await signingDb(ctx).selectFrom('sign_requests as r').innerJoin('signing_keys as k', 'k.keyid', 'r.keyid').select(['r.keyid', 'k.public_key']).where('r.task_id', '=', task.id).executeTakeFirst();
  if (!request) throw new BadSignatureError(`${task.kind} task ${task.id} has no sign request`);
  return request;
}

/** Signed packages up to this size are checked in memory. */
const IN_MEMORY_BYTES = 64 * 1024 * 1024;

/** A sign task's signed packages, checked (before the completing transaction). */
export class VerifiedSignatures {
  constructor(
    readonly taskId: number,
    readonly keyid: string,
    readonly packages: readonly { artifactId: number; name: string; originalSha256: string; sha256: string; size: number }[],
  ) {}
}

/**
 * Checks every package of a sign task (outside any transaction: ten signature checks must not
 * hold SQLite's one writer). @throws BadSignatureError
 */
export async function verifySignatures(ctx: Context, task: Task): Promise<VerifiedSignatures> {
  const db = signingDb(ctx);
  const request = await requestedKey(ctx, task);
  const originals = await db
    .selectFrom('artifacts as a')
    .innerJoin('task_dependencies as d', 'd.depends_on', 'a.task_id')
    .select(['a.id', 'a.name', 'a.sha256'])
    .where('d.task_id', '=', task.id)
    .where('a.kind', 'in', ['srpm', 'rpm'])
    .orderBy('a.id')
    .execute();
  const signed = await signedUploads(ctx, task.id);
  const ring = await readPublicKeys(request.public_key);
  const packages: VerifiedSignatures['packages'][number][] = [];
  let scratch: string | undefined;
  const scratchDir = (): string => (scratch ??= mkdtempSync(join(tmpdir(), 'distforge-signcheck-')));
  try {
    for (const o of originals) {
      const s = signed.get(o.name);
      if (!s) throw new BadSignatureError(`${o.name} was not signed (sign task ${task.id})`);
      // A package of usual size is read once into memory; a larger one is read from its file.
      const signedPackage = s.size <= IN_MEMORY_BYTES ? await readBlob(ctx.store, s.sha256) : await localBlobIn(ctx.store, s.sha256, scratchDir);
      let signedHeader: Buffer;
      try {
        signedHeader = (Buffer.isBuffer(signedPackage) ? readRpmBuffer(signedPackage) : readRpmFileSync(signedPackage)).header.blob;
      } catch (e) {
        if (e instanceof RpmFormatError) throw new BadSignatureError(`${o.name}: what the signer uploaded is not an RPM (${e.message})`);
        throw e;
      }
      const sameHeader = readRpmFileSync(await localBlobIn(ctx.store, o.sha256, scratchDir)).header.blob.equals(signedHeader);
      if (!sameHeader) throw new BadSignatureError(`${o.name}: the signed package is not the package built (its header differs)`);
      const report = await verifyRpm(signedPackage, { keys: ring, requireSignature: true });
      if (!report.ok) {
        const bad = report.checks.filter((c) => c.status !== 'OK').map((c) => `${c.name}: ${c.status}`);
        throw new BadSignatureError(`${o.name}: the signature does not check with key ${request.keyid} (${bad.join('; ') || 'no signature'})`);
      }
      packages.push({ artifactId: o.id, name: o.name, originalSha256: o.sha256, sha256: s.sha256, size: s.size });
    }
  } finally {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }
  return new VerifiedSignatures(task.id, request.keyid, packages);
}

/** The srpm and rpm files a sign task uploaded, by name. */
async function signedUploads(ctx: Context, taskId: number): Promise<Map<string, { sha256: string; size: number }>> {
  const rows = await ctx.db.kysely.selectFrom('artifacts').select(['name', 'sha256', 'size']).where('task_id', '=', taskId).where('kind', 'in', ['srpm', 'rpm']).execute();
  return new Map(rows.map((a) => [a.name, a]));
}

/**
 * Records the signatures of a succeeded sign task (inside the completing transaction), as
 * verifySignatures checked them; a package uploaded again since then is refused. Without a check
 * made beforehand it checks here. @throws BadSignatureError
 */
export async function recordSignatures(tx: Context, task: Task, prepared?: unknown): Promise<number> {
  const verified = prepared instanceof VerifiedSignatures && prepared.taskId === task.id ? prepared : await verifySignatures(tx, task);
  const now = tx.now();
  const uploads = await signedUploads(tx, task.id);
  for (const p of verified.packages) {
    if (uploads.get(p.name)?.sha256 !== p.sha256) throw new BadSignatureError(`${p.name} was uploaded again while its signature was being checked (sign task ${task.id})`);
  }
  if (verified.packages.length > 0) {
    await signingDb(tx)
      .insertInto('signatures')
      .values(verified.packages.map((p) => ({ artifact_id: p.artifactId, sign_task_id: task.id, keyid: verified.keyid, original_sha256: p.originalSha256, sha256: p.sha256, size: p.size, signed_at: now, node_id: task.leased_by })))
      .execute();
  }
  if (task.build_id !== null) await markBuildSigned(tx, task.build_id, now);
  tx.log.info({ taskId: task.id, buildId: task.build_id, keyid: verified.keyid, packages: verified.packages.length }, 'packages signed');
  return verified.packages.length;
}

/**
 * Records when the build became signed (builds.signed_at, what the builds feed filters on) once
 * its last package is, in the transaction recording the signatures. On PostgreSQL the build's row
 * is locked first: two sign tasks of one build completing at once would otherwise each see the
 * other's packages unsigned and neither would mark it; the second waits for the first's commit
 * and then sees every signature.
 */
async function markBuildSigned(tx: Context, buildId: number, now: number): Promise<void> {
  const db = signingDb(tx);
  if (hasRowLocks(tx)) await db.selectFrom('builds').select('id').where('id', '=', buildId).forUpdate().execute();
  if (!(await isBuildSigned(tx, buildId))) return;
  await db.updateTable('builds').set({ signed_at: now }).where('id', '=', buildId).where('signed_at', 'is', null).execute();
}
