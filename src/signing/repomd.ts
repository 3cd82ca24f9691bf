/**
 * Signing repository metadata: a sign-repo task asks the signer for a detached ASCII-armored
 * signature (repodata/repomd.xml.asc) over each repomd.xml of a platform's repositories. The lease
 * hands the signer the exact bytes (put in the artifact store, downloaded with their sha256);
 * the signer sends the signatures with its completion; before the completing transaction each is
 * checked against the registered public key over the repository's current repomd.xml, and inside
 * it recorded by that file's sha256. A repository serves the signature whose sha256 is its
 * current repomd.xml's, so a signature never outlives the metadata it covers.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Context } from '../context.ts';
import type { Task } from '../db/schema.ts';
import { verifyDetachedArmored } from '../pgp/detached.ts';
import { readPublicKeys } from '../pgp/keys.ts';
import { artifactUrl } from '../scheduler/index.ts';
import { requestedKey } from './completion.ts';
import { BadSignatureError } from './errors.ts';
import { signingDb } from './schema.ts';

/** A repository's metadata file, as the builds domain has it published. */
export interface RepomdFile {
  arch: string;
  path: string;
}

/** What a sign-repo lease lists: the repomd.xml of each arch, to sign byte for byte. */
export interface RepomdToSign {
  arch: string;
  sha256: string;
  url: string;
}

/** What the signer reports in its completion, per arch. */
interface SignedRepomd {
  arch: string;
  sha256: string;
  signature: string;
}

/** For a sign-repo task's lease: each repomd.xml put in the artifact store. */
export async function repomdLease(ctx: Context, files: readonly RepomdFile[]): Promise<RepomdToSign[]> {
  const out: RepomdToSign[] = [];
  for (const f of files) {
    const blob = await ctx.store.put(readFileSync(f.path));
    out.push({ arch: f.arch, sha256: blob.sha256, url: artifactUrl(ctx, blob.sha256, 'repomd.xml') });
  }
  return out;
}

function signedRepomds(result: unknown): SignedRepomd[] {
  const list = (result as { repomd?: unknown } | null)?.repomd;
  if (!Array.isArray(list)) return [];
  return list.filter((x): x is SignedRepomd => typeof x === 'object' && x !== null && typeof x.arch === 'string' && typeof x.sha256 === 'string' && typeof x.signature === 'string');
}

/** A sign-repo task's signatures, checked (before the completing transaction). */
export class VerifiedRepomdSignatures {
  constructor(
    readonly taskId: number,
    readonly keyid: string,
    readonly signatures: readonly { arch: string; repomdSha256: string; signature: string }[],
  ) {}
}

/**
 * Checks the signatures a signer reports for a sign-repo task: one per arch of `current` (the
 * repositories' repomd.xml now), each over exactly those bytes and good with the requested key.
 * @throws BadSignatureError naming the arch and what is wrong
 */
export async function verifyRepomdSignatures(ctx: Context, task: Task, result: unknown, current: readonly RepomdFile[]): Promise<VerifiedRepomdSignatures> {
  const request = await requestedKey(ctx, task, { allowed: true });
  const ring = await readPublicKeys(request.public_key);
  const reported = signedRepomds(result);
  const out: VerifiedRepomdSignatures['signatures'][number][] = [];
  for (const f of current) {
    const data = readFileSync(f.path);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const s = reported.find((r) => r.arch === f.arch);
    if (!s) throw new BadSignatureError(`${task.platform}/${f.arch}: no signature of repomd.xml was sent (sign-repo task ${task.id})`);
    if (s.sha256 !== sha256) throw new BadSignatureError(`${task.platform}/${f.arch}: repomd.xml changed while it was being signed (signed ${s.sha256}, now ${sha256}); ask again: distforge build sign ${task.build_id}`);
    const check = await verifyDetachedArmored(s.signature, data, ring);
    if (check.status !== 'OK' || check.armored === undefined) throw new BadSignatureError(`${task.platform}/${f.arch}: the repomd.xml signature does not check with key ${request.keyid} (${check.status}${check.detail ? `: ${check.detail}` : ''})`);
    // What is recorded and served is the packet checked, armored anew: not the signer's text.
    out.push({ arch: f.arch, repomdSha256: sha256, signature: check.armored });
  }
  return new VerifiedRepomdSignatures(task.id, request.keyid, out);
}

/** Records a sign-repo task's checked signatures (inside the completing transaction). */
export async function recordRepomdSignatures(tx: Context, task: Task, verified: unknown): Promise<void> {
  if (!(verified instanceof VerifiedRepomdSignatures) || verified.taskId !== task.id) throw new BadSignatureError(`sign-repo task ${task.id}: its signatures were not checked`);
  const now = tx.now();
  if (verified.signatures.length > 0) {
    await signingDb(tx)
      .insertInto('repomd_signatures')
      .values(verified.signatures.map((s) => ({ repomd_sha256: s.repomdSha256, keyid: verified.keyid, signature: s.signature, sign_task_id: task.id, build_id: task.build_id, platform: task.platform, arch: s.arch, signed_at: now, node_id: task.leased_by })))
      .execute();
  }
  tx.log.info({ taskId: task.id, buildId: task.build_id, platform: task.platform, keyid: verified.keyid, repositories: verified.signatures.length }, 'repository metadata signed');
}

/** The newest signature made over repomd.xml bytes with this sha256, or null. */
export async function repomdSignature(ctx: Context, repomdSha256: string): Promise<{ signature: string; keyid: string; signedAt: number } | null> {
  const row = await signingDb(ctx)
    .selectFrom('repomd_signatures')
    .select(['signature', 'keyid', 'signed_at'])
    .where('repomd_sha256', '=', repomdSha256)
    .orderBy('signed_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ? { signature: row.signature, keyid: row.keyid, signedAt: row.signed_at } : null;
}
