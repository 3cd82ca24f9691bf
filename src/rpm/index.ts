/**
 * The RPM file format library: the public face other folders import.
 *
 * Terminology:
 * - lead: the 96-byte start of every RPM file (magic, historical fields).
 * - signature header / main header: two headers of the same structure; the first holds digests
 *   and signatures over the second (and the payload), the second holds all package metadata.
 * - payload: the (compressed) cpio archive of the package's files.
 * - NEVRA: name, epoch, version, release, arch.
 * - EVR: `[epoch:]version[-release]`.
 */
export { RpmFormatError, RpmPayloadError } from './errors.ts';
export { Header } from './header.ts';
export { LEAD_SIZE, packageHeadLength, readRpmBuffer, readRpmFileSync, type RpmFile, type RpmLead } from './package-file.ts';
export { nevra, packageFromFile, readPackageBuffer, readPackageSync, type RpmPackage } from './package.ts';
export { formatDependency, DEPENDENCY_KINDS, type DependencyKind, type RpmDependency } from './dependencies.ts';
export type { RpmFileEntry } from './files.ts';
export { verifyRpm, type VerifyCheck, type VerifyReport } from './verify.ts';
export { signatureBlock, signatureHeaderChanges, signingNeedsPayload, signRpm, signRpmBuffer, withSignatureBlock } from './sign.ts';
export { rpmvercmp } from './vercmp.ts';
export { compareEvr, compareEvrOrder, parseEvr } from './evr.ts';
export { rangesOverlap, satisfies } from './depmatch.ts';
export { buildRpm, writeRpm } from './writer.ts';
export * as payload from './payload/index.ts';
