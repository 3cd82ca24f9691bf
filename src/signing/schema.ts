/** The tables of the signing domain (migration 0007), on top of src/db/schema.ts. */
import type { Generated, Kysely } from 'kysely';
import type { Context } from '../context.ts';
import type { Database, Millis } from '../db/schema.ts';

export interface SigningKeysTable {
  /** Key id of the signing (sub)key, 16 upper-case hex digits. */
  keyid: string;
  fingerprint: string;
  algorithm: string;
  /** JSON array of the key's user ids. */
  user_ids: string;
  /** The ASCII-armored public key (an RPM-GPG-KEY file). */
  public_key: string;
  key_created_at: Millis;
  /** The signer that registered (holds) it. */
  node_id: number | null;
  registered_at: Millis;
}

export interface PlatformKeysTable {
  platform: string;
  keyid: string;
}

export interface SignRequestsTable {
  task_id: number;
  keyid: string;
  requested_by: number | null;
  requested_at: Millis;
}

export interface SignaturesTable {
  id: Generated<number>;
  /** The unsigned original (an srpm or rpm artifact of a build task). */
  artifact_id: number;
  sign_task_id: number;
  keyid: string;
  original_sha256: string;
  /** The signed package in the store. */
  sha256: string;
  size: number;
  signed_at: Millis;
  /** The signer that signed it. */
  node_id: number | null;
}

export interface RepomdSignaturesTable {
  id: Generated<number>;
  /** sha256 of the repomd.xml bytes signed. */
  repomd_sha256: string;
  keyid: string;
  /** The detached ASCII-armored signature (repomd.xml.asc). */
  signature: string;
  sign_task_id: number;
  /** The build whose repository it is (null for other repositories). */
  build_id: number | null;
  platform: string;
  arch: string;
  signed_at: Millis;
  node_id: number | null;
}

export type SigningDatabase = Database & {
  repomd_signatures: RepomdSignaturesTable;
  signing_keys: SigningKeysTable;
  platform_keys: PlatformKeysTable;
  sign_requests: SignRequestsTable;
  signatures: SignaturesTable;
};

export function signingDb(ctx: Context): Kysely<SigningDatabase> {
  return ctx.db.kysely as unknown as Kysely<SigningDatabase>;
}
