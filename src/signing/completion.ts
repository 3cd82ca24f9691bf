/**
 * A sign task's completion (the node API's completion hook, inside its transaction): every srpm
 * and rpm of the tasks it depends on must have come back signed — same header as the original,
 * digests intact, a signature by the requested key that checks against the registered public key
 * — and then each signature is recorded (package, key, time, signer, signed sha256 beside the
 * original's). Anything missing or wrong throws, the transaction rolls back, and nothing is
 * recorded: a half-signed build never shows as signed.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Context } from '../context.ts';
import type { Task } from '../db/schema.ts';
import { readPublicKeys } from '../pgp/keys.ts';
import { readRpmFileSync, verifyRpm } from '../rpm/index.ts';
import { BadSignatureError } from './errors.ts';
import { signingDb } from './schema.ts';

/** A local path of a stored blob (copied into `scratch` when the store is not local). */
async function localBlob(ctx: Context, sha256: string, scratch: string): Promise<string> {
  const local = ctx.store.localPath(sha256);
  if (local !== null) return local;
  const path = join(scratch, sha256);
  await pipeline(ctx.store.open(sha256), createWriteStream(path));
  return path;
}

/** Records the signatures of a succeeded sign task. @throws BadSignatureError */
export async function recordSignatures(ctx: Context, task: Task): Promise<number> {
  const db = signingDb(ctx);
  const request = await db.selectFrom('sign_requests as r').innerJoin('signing_keys as k', 'k.keyid', 'r.keyid').select(['r.keyid', 'k.public_key']).where('r.task_id', '=', task.id).executeTakeFirst();
  if (!request) throw new BadSignatureError(`sign task ${task.id} has no sign request`);
  const originals = await db
    .selectFrom('artifacts as a')
    .innerJoin('task_dependencies as d', 'd.depends_on', 'a.task_id')
    .select(['a.id', 'a.name', 'a.sha256'])
    .where('d.task_id', '=', task.id)
    .where('a.kind', 'in', ['srpm', 'rpm'])
    .orderBy('a.id')
    .execute();
  const signed = new Map((await db.selectFrom('artifacts').select(['name', 'sha256', 'size']).where('task_id', '=', task.id).where('kind', 'in', ['srpm', 'rpm']).execute()).map((a) => [a.name, a]));
  const ring = await readPublicKeys(request.public_key);
  const scratch = mkdtempSync(join(tmpdir(), 'distforge-signcheck-'));
  try {
    for (const o of originals) {
      const s = signed.get(o.name);
      if (!s) throw new BadSignatureError(`${o.name} was not signed (sign task ${task.id})`);
      const signedPath = await localBlob(ctx, s.sha256, scratch);
      const sameHeader = readRpmFileSync(await localBlob(ctx, o.sha256, scratch)).header.blob.equals(readRpmFileSync(signedPath).header.blob);
      if (!sameHeader) throw new BadSignatureError(`${o.name}: the signed package is not the package built (its header differs)`);
      const report = await verifyRpm(signedPath, { keys: ring, requireSignature: true });
      if (!report.ok) {
        const bad = report.checks.filter((c) => c.status !== 'OK').map((c) => `${c.name}: ${c.status}`);
        throw new BadSignatureError(`${o.name}: the signature does not check with key ${request.keyid} (${bad.join('; ') || 'no signature'})`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const now = ctx.now();
  if (originals.length > 0) {
    await db
      .insertInto('signatures')
      .values(
        originals.map((o) => {
          const s = signed.get(o.name);
          return { artifact_id: o.id, sign_task_id: task.id, keyid: request.keyid, original_sha256: o.sha256, sha256: s?.sha256 ?? '', size: s?.size ?? 0, signed_at: now, node_id: task.leased_by };
        }),
      )
      .execute();
  }
  ctx.log.info({ taskId: task.id, buildId: task.build_id, keyid: request.keyid, packages: originals.length }, 'packages signed');
  return originals.length;
}
