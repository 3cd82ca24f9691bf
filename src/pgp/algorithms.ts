/**
 * OpenPGP algorithm identifiers (RFC 4880 / RFC 9580) and the names rpm prints for them.
 */

/** Public-key algorithm ids. */
export const PubkeyAlgo = {
  RSA: 1,
  RSA_SIGN: 3,
  DSA: 17,
  ECDSA: 19,
  EDDSA_LEGACY: 22,
  ED25519: 27,
  ED448: 28,
} as const;

/** Hash algorithm ids with node's name for each. */
const HASHES: Record<number, { name: string; node: string; digestInfo: string }> = {
  1: { name: 'MD5', node: 'md5', digestInfo: '3020300c06082a864886f70d020505000410' },
  2: { name: 'SHA1', node: 'sha1', digestInfo: '3021300906052b0e03021a05000414' },
  8: { name: 'SHA256', node: 'sha256', digestInfo: '3031300d060960864801650304020105000420' },
  9: { name: 'SHA384', node: 'sha384', digestInfo: '3041300d060960864801650304020205000430' },
  10: { name: 'SHA512', node: 'sha512', digestInfo: '3051300d060960864801650304020305000440' },
  11: { name: 'SHA224', node: 'sha224', digestInfo: '302d300d06096086480165030402040500041c' },
  12: { name: 'SHA3-256', node: 'sha3-256', digestInfo: '3031300d060960864801650304020805000420' },
  14: { name: 'SHA3-512', node: 'sha3-512', digestInfo: '3051300d060960864801650304020a05000440' },
};

/** rpm's name for a public-key algorithm (as in `Header V4 RSA/SHA256 Signature`). */
export function pubkeyAlgoName(id: number): string {
  switch (id) {
    case PubkeyAlgo.RSA:
    case PubkeyAlgo.RSA_SIGN:
      return 'RSA';
    case PubkeyAlgo.DSA:
      return 'DSA';
    case PubkeyAlgo.ECDSA:
      return 'ECDSA';
    case PubkeyAlgo.EDDSA_LEGACY:
    case PubkeyAlgo.ED25519:
    case PubkeyAlgo.ED448:
      return 'EdDSA';
    default:
      return `algorithm-${id}`;
  }
}

/** rpm's name for a hash algorithm, e.g. SHA256. */
export function hashAlgoName(id: number): string {
  return HASHES[id]?.name ?? `hash-${id}`;
}

/** node:crypto's name for a hash algorithm, or undefined when we do not support it. */
export function nodeHashName(id: number): string | undefined {
  return HASHES[id]?.node;
}

/** DER DigestInfo prefix for PKCS#1 v1.5 RSA signatures. */
export function digestInfoPrefix(id: number): Buffer | undefined {
  const hex = HASHES[id]?.digestInfo;
  return hex === undefined ? undefined : Buffer.from(hex, 'hex');
}
