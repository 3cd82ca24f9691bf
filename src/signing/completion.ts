/**
 * A sign task's completion: every srpm and rpm of the tasks it depends on must have come back
 * signed — same header as the original, digests intact, a signature by the requested key that
 * checks against the registered public key, a key still allowed for the task's platform (checked
 * before the completing transaction) — and then each signature is recorded inside it (package,
 * key, time, signer, signed sha256 beside the original's). Anything missing or wrong throws,
 * nothing is recorded, and the task stays leased: a half-signed build never shows as signed.
 *
 * Signed packages come two ways: composed by the master from the original and the signature
 * header a signer sent (compose.ts: checked there, recorded here as the task's artifacts), or
 * uploaded whole by a signer (older signers; checked here, from the store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../context.ts';
import { localBlobIn } from '../storage/blob-files.ts';
import { readBlob } from '../storage/read-blob.ts';
import type { Task } from '../db/schema.ts';
import { readPublicKeys, type PublicKeyRing } from '../pgp/keys.ts';
import { readRpmBuffer, readRpmFileSync, RpmFormatError, verifyRpm, type VerifyReport } from '../rpm/index.ts';
import { recordTaskEvents } from '../scheduler/events.ts';
import { hasRowLocks } from '../scheduler/transaction.ts';
import { BadSignatureError } from './errors.ts';
import { signingDb } from './schema.ts';
import { buildSigningState } from './view.ts';

/**
 * The key a sign or sign-repo task was asked to sign with, and its public key; with `allowed`, the
 * key must still be allowed for the task's platform (an admin may have taken it back).
 * @throws BadSignatureError
 */
export async function requestedKey(ctx: Context, task: Pick<Task, 'id' | 'kind' | 'platform'>, options: { allowed?: boolean } = {}): Promise<{ keyid: string; public_key: string }> {
  const request = await signingDb(ctx)
    .selectFrom('sign_requests as r')
    .innerJoin('signing_keys as k', 'k.keyid', 'r.keyid')
    .leftJoin('platform_keys as p', (j) => j.onRef('p.keyid', '=', 'r.keyid').on('p.platform', '=', task.platform))
    .select(['r.keyid', 'k.public_key', 'p.platform'])
    .where('r.task_id', '=', task.id)
    .executeTakeFirst();
  if (!request) throw new BadSignatureError(`${task.kind} task ${task.id} has no sign request`);
  if (options.allowed && request.platform === null) {
    throw new BadSignatureError(`key ${request.keyid} may no longer sign packages of platform ${task.platform} (${task.kind} task ${task.id}; an admin allows it: PUT /api/v1/keys/${request.keyid}/platforms)`);
  }
  return { keyid: request.keyid, public_key: request.public_key };
}

/** Public keys read from their armored text, kept (a key is read once, not per completion). */
const rings = new Map<string, Promise<PublicKeyRing>>();

/** The ring holding the armored public key `armored`. */
export function publicRing(armored: string): Promise<PublicKeyRing> {
  let ring = rings.get(armored);
  if (!ring) {
    if (rings.size >= 32) rings.clear();
    ring = readPublicKeys(armored);
    rings.set(armored, ring);
    ring.catch(() => rings.delete(armored));
  }
  return ring;
}

/** An unsigned original of a sign task (an srpm or rpm of a task it depends on). */
export interface SignOriginal {
  id: number;
  name: string;
  kind: string;
  sha256: string;
  size: number;
}

/** The packages a sign task signs, by artifact id. */
export function signTaskOriginals(ctx: Context, taskId: number): Promise<SignOriginal[]> {
  return ctx.db.kysely
    .selectFrom('artifacts as a')
    .innerJoin('task_dependencies as d', 'd.depends_on', 'a.task_id')
    .select(['a.id', 'a.name', 'a.kind', 'a.sha256', 'a.size'])
    .where('d.task_id', '=', taskId)
    .where('a.kind', 'in', ['srpm', 'rpm'])
    .orderBy('a.id')
    .execute();
}

/**
 * Why a signed package's check report is not good enough, or null: every digest and signature must
 * check (with the requested key alone), and a header signature must be among them.
 */
export function signedPackageProblem(report: VerifyReport): string | null {
  const headerSigned = report.checks.some((c) => c.kind === 'signature' && c.name.startsWith('Header ') && c.status === 'OK');
  const bad = report.checks.filter((c) => c.status !== 'OK').map((c) => `${c.name}: ${c.status}`);
  if (bad.length === 0 && headerSigned) return null;
  return bad.join('; ') || 'no signature';
}

/** Signed packages up to this size are checked in memory. */
const IN_MEMORY_BYTES = 64 * 1024 * 1024;

/** A signed package the master composed and checked (compose.ts), to be recorded as the task's artifact. */
export interface ComposedPackage {
  artifactId: number;
  name: string;
  kind: string;
  originalSha256: string;
  sha256: string;
  size: number;
}

/** A signed package, checked; `composed` when the master made it (not recorded as the task's artifact yet). */
export interface SignedPackage {
  artifactId: number;
  name: string;
  originalSha256: string;
  sha256: string;
  size: number;
  composed?: ComposedPackage;
}

/** A sign task's signed packages, checked (before the completing transaction). */
export class VerifiedSignatures {
  constructor(
    readonly taskId: number,
    readonly keyid: string,
    readonly packages: readonly SignedPackage[],
  ) {}
}

/**
 * Checks every package of a sign task (outside any transaction: signature checks must not hold
 * SQLite's one writer): those in `composed` were checked when composed; the others must have been
 * uploaded (or composed by an earlier request) and are checked from the store. `known`: the key
 * (checked allowed) and the originals, when the caller read them already. @throws BadSignatureError
 */
export async function verifySignatures(
  ctx: Context,
  task: Task,
  composed: readonly ComposedPackage[] = [],
  known?: { key: { keyid: string; public_key: string }; originals: readonly SignOriginal[] },
): Promise<VerifiedSignatures> {
  const request = known?.key ?? (await requestedKey(ctx, task, { allowed: true }));
  const originals = known?.originals ?? (await signTaskOriginals(ctx, task.id));
  const fresh = new Map(composed.map((c) => [c.name, c]));
  const signed = fresh.size === originals.length ? new Map<string, { sha256: string; size: number }>() : await signedUploads(ctx, task.id);
  const packages: SignedPackage[] = [];
  let scratch: string | undefined;
  const scratchDir = (): string => (scratch ??= mkdtempSync(join(tmpdir(), 'distforge-signcheck-')));
  try {
    for (const o of originals) {
      const made = fresh.get(o.name);
      if (made) {
        packages.push({ artifactId: made.artifactId, name: made.name, originalSha256: made.originalSha256, sha256: made.sha256, size: made.size, composed: made });
        continue;
      }
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
      const problem = signedPackageProblem(await verifyRpm(signedPackage, { keys: await publicRing(request.public_key), requireSignature: true }));
      if (problem !== null) throw new BadSignatureError(`${o.name}: the signature does not check with key ${request.keyid} (${problem})`);
      packages.push({ artifactId: o.id, name: o.name, originalSha256: o.sha256, sha256: s.sha256, size: s.size });
    }
  } finally {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }
  return new VerifiedSignatures(task.id, request.keyid, packages);
}

/** The srpm and rpm files a sign task uploaded (or had composed), by name. */
async function signedUploads(ctx: Context, taskId: number): Promise<Map<string, { sha256: string; size: number }>> {
  const rows = await ctx.db.kysely.selectFrom('artifacts').select(['name', 'sha256', 'size']).where('task_id', '=', taskId).where('kind', 'in', ['srpm', 'rpm']).execute();
  return new Map(rows.map((a) => [a.name, a]));
}

/**
 * Records composed signed packages as artifacts of the sign task (replacing rows of the same name
 * from an earlier attempt or upload), with an event each. In the caller's transaction, with the
 * lease held.
 */
export async function recordComposed(tx: Context, task: Pick<Task, 'id' | 'leased_by'>, composed: readonly ComposedPackage[]): Promise<void> {
  if (composed.length === 0) return;
  const now = tx.now();
  await tx.db.kysely
    .insertInto('artifacts')
    .values(composed.map((c) => ({ task_id: task.id, name: c.name, kind: c.kind, sha256: c.sha256, size: c.size, created_at: now })))
    .onConflict((oc) =>
      oc.columns(['task_id', 'name']).doUpdateSet((eb) => ({ kind: eb.ref('excluded.kind'), sha256: eb.ref('excluded.sha256'), size: eb.ref('excluded.size'), created_at: eb.ref('excluded.created_at') })),
    )
    .execute();
  await recordTaskEvents(
    tx,
    composed.map((c) => ({ taskId: task.id, kind: 'artifact', nodeId: task.leased_by, message: `artifact ${c.name} (${c.kind}, ${c.size} bytes, sha256 ${c.sha256}): signed, composed from the signer's signature header` })),
  );
}

/**
 * Records the signatures of a succeeded sign task (inside the completing transaction), as
 * verifySignatures checked them; a package uploaded again since then is refused. Without a check
 * made beforehand it checks here. @throws BadSignatureError
 */
export async function recordSignatures(tx: Context, task: Task, prepared?: unknown): Promise<number> {
  const verified = prepared instanceof VerifiedSignatures && prepared.taskId === task.id ? prepared : await verifySignatures(tx, task);
  const now = tx.now();
  await recordComposed(tx, task, verified.packages.flatMap((p) => (p.composed ? [p.composed] : [])));
  // Composed packages were recorded just now; uploaded ones must not have changed since checked.
  const uploads = verified.packages.every((p) => p.composed) ? new Map<string, { sha256: string }>() : await signedUploads(tx, task.id);
  for (const p of verified.packages) {
    if (!p.composed && uploads.get(p.name)?.sha256 !== p.sha256) throw new BadSignatureError(`${p.name} was uploaded again while its signature was being checked (sign task ${task.id})`);
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
  const state = await buildSigningState(tx, buildId);
  if (!state || state.signedAt !== null || !state.packages || state.unsigned) return;
  await db.updateTable('builds').set({ signed_at: now }).where('id', '=', buildId).where('signed_at', 'is', null).execute();
}
