/**
 * The signing domain (master side): public keys registered by signers and allowed per platform,
 * sign requests (sign tasks), and the signatures recorded when a sign task completes.
 *
 * Terminology:
 * - signer: a node with the `sign` capability (`distforge signer`), holding private keys that never
 *   leave it.
 * - sign task: a task of kind `sign`, one per build item and platform, depending on the item's
 *   srpm and rpm tasks (and, when the request waits for tests, on their tests still to run); the
 *   signer signs their packages.
 * - signature: a signed package recorded beside its unsigned original.
 */
export { BadPublicKeyError, BadSignatureError, KeyNotAllowedError, NotSignableError } from './errors.ts';
export { checkKeyId, getKey, listKeys, platformKeys, publicKeyFile, registerKeys, setKeyPlatforms, type KeyView } from './keys.ts';
export { requestSigning, type AwaitedTest, type SignRequest, type SignRequestResult } from './requests.ts';
export { autoSignTestedBuilds } from './auto-sign.ts';
export { recordSignatures, verifySignatures } from './completion.ts';
export { MAX_SIGNATURE_HEADER_BYTES } from './compose.ts';
export { acceptSignatures, headsForSigner } from './signatures.ts';
export { signLease, type SignLease } from './lease.ts';
export { isBuildSigned, signedVersions, signingUnderWay, type SignedVersion } from './view.ts';
export { recordRepomdSignatures, repomdLease, repomdSignature, verifyRepomdSignatures, type RepomdToSign } from './repomd.ts';
