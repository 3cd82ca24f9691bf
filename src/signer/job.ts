/** What the bodies of sign and sign-repo tasks share: the job they get and the failure they report. */
import type { PublicKeyRing } from '../pgp/keys.ts';
import type { UnlockedKey } from './keystore.ts';
import type { LeasedTask } from '../node/types.ts';

/** A package head as the master sends it (base64). */
export interface LeasedHead {
  name: string;
  kind: string;
  sha256: string;
  head: string;
}

/** A leased sign or sign-repo task: the node API adds the key (with a sign task's first package
 * heads), and a sign-repo task's repomd.xml files. */
export type SignTaskLease = Omit<LeasedTask, 'sign'> & {
  sign?: NonNullable<LeasedTask['sign']> & { heads?: { packages: LeasedHead[]; next: number | null } };
};

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
  /** A sign task's log written since the last call (at most `maxChars`), numbered, to send with a request; undefined when there is none. */
  takeLog: (maxChars: number) => { seq: number; text: string } | undefined;
  signal: AbortSignal;
}
