/**
 * The OpenPGP signatures an RPM carries in its signature header, with what each covers.
 *
 * Terminology:
 * - header-only signature: covers the main header (tags RSA 268 and DSA 267 in v4, OPENPGP 278
 *   in v6); the header holds the payload digest, so it protects the payload too.
 * - header+payload signature: the old v3-style signature (tags PGP 1002, GPG 1005) over the main
 *   header followed by the payload.
 */
import { hashAlgoName, pubkeyAlgoName } from '../pgp/algorithms.ts';
import { PgpError } from '../pgp/errors.ts';
import { parseSignature, type PgpSignature } from '../pgp/signature.ts';
import type { Header } from './header.ts';
import { SigTag } from './tags.ts';

export type SignatureScope = 'header' | 'header+payload';

export interface PackageSignature {
  tag: number;
  scope: SignatureScope;
  /** The parsed packet, or the reason it could not be parsed. */
  packet: PgpSignature | null;
  error: string | null;
  /** True when the packet is well-formed but of a kind we cannot check (e.g. a v6 signature). */
  unsupported: boolean;
}

/** Summary of a package's main signature for `rpm info`. */
export interface SignatureInfo {
  keyid: string | null;
  algorithm: string;
  hash: string;
}

function parseOne(bytes: Buffer, tag: number, scope: SignatureScope): PackageSignature {
  try {
    return { tag, scope, packet: parseSignature(bytes), error: null, unsupported: false };
  } catch (e) {
    if (e instanceof PgpError) return { tag, scope, packet: null, error: e.message, unsupported: e.unsupported };
    throw e;
  }
}

/** Lists the signatures in a signature header, header-only ones first (the order rpm checks them). */
export function readSignatures(sig: Header): PackageSignature[] {
  const out: PackageSignature[] = [];
  for (const b64 of sig.has(SigTag.OPENPGP) ? sig.strings(SigTag.OPENPGP) : []) {
    out.push(parseOne(Buffer.from(b64, 'base64'), SigTag.OPENPGP, 'header'));
  }
  for (const tag of [SigTag.RSA, SigTag.DSA]) {
    const b = sig.has(tag) ? sig.bin(tag) : undefined;
    if (b) out.push(parseOne(b, tag, 'header'));
  }
  for (const tag of [SigTag.PGP, SigTag.GPG]) {
    const b = sig.has(tag) ? sig.bin(tag) : undefined;
    if (b) out.push(parseOne(b, tag, 'header+payload'));
  }
  return out;
}

/** The signature `rpm info` reports: the first v4 header-only one, else any parsable one. */
export function signatureInfo(sigs: PackageSignature[]): SignatureInfo | null {
  const pick =
    sigs.find((s) => s.packet && (s.tag === SigTag.RSA || s.tag === SigTag.DSA)) ?? sigs.find((s) => s.packet);
  if (!pick?.packet) return null;
  return { keyid: pick.packet.issuer, algorithm: pubkeyAlgoName(pick.packet.pubkeyAlgo), hash: hashAlgoName(pick.packet.hashAlgo) };
}
