/** What the bodies of sign and sign-repo tasks share: the job they get and the failure they report. */
import type { PublicKeyRing } from '../pgp/keys.ts';
import type { UnlockedKey } from './keystore.ts';
import type { LeasedTask } from '../node/types.ts';

/** A leased sign or sign-repo task: the node API adds the key (and the repomd.xml files). */
export type SignTaskLease = LeasedTask;

/** A failure the task reports as its reason, as it is (no "signer error:" prefix). */
export class SignFailed extends Error {}

/** What a task's body gets: the lease, the key and its public half, a work dir, the task log. */
export interface SignJob {
  task: SignTaskLease;
  key: UnlockedKey;
  ring: PublicKeyRing;
  /** The task's work dir (made on first call, removed when the task ends). */
  work: () => string;
  note: (line: string) => void;
  /** Sends the rest of the log and ends it (before a request that completes the task). */
  closeLog: () => Promise<void>;
  signal: AbortSignal;
}
