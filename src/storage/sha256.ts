/** What a blob's name is: a sha256 as 64 lowercase hex digits. */
import { DistforgeError } from '../errors.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** @throws DistforgeError `bad_sha256` (400) unless `sha256` is 64 lowercase hex digits. */
export function checkSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) throw new DistforgeError('bad_sha256', `not a sha256 (64 lowercase hex digits): ${JSON.stringify(sha256)}`, { status: 400 });
}

/** The DistforgeError `checksum_mismatch` (422) for bytes that are not what the sender announced. */
export function checksumMismatch(expected: string, received: string, size: number): DistforgeError {
  return new DistforgeError('checksum_mismatch', `sha256 mismatch: expected ${expected}, received ${received} (${size} bytes)`, { status: 422 });
}
