/**
 * What a leak of a signer's secrets looks like in text: the store passphrase (and the file it came
 * from), each private key parameter (RSA d, p, q, u; the EdDSA seed) and the cleartext secret key
 * packets, each as hex (either case), base64 at every byte alignment (so that it is found inside
 * the base64 of a larger blob too) and base64url; and the armored key's body lines, cleartext and
 * as stored (encrypted). `findLeaks` says which of them a text contains.
 */
import type * as openpgp from 'openpgp';

export interface Needle {
  /** What it is, for the failure message (never the secret itself). */
  what: string;
  text: string;
  /** Hex: compared with the text lower-cased. */
  hex?: boolean;
}

/** Long enough that no text holds it by chance (16 bytes of key material). */
const WINDOW_BYTES = 16;

/** Hex and base64 (three alignments, plain and url-safe) of the first 16 bytes from each offset 0..2. */
function binaryNeedles(what: string, bytes: Uint8Array): Needle[] {
  const b = Buffer.from(bytes);
  if (b.length < WINDOW_BYTES + 2) throw new Error(`${what}: too short to look for`);
  const out: Needle[] = [{ what: `${what} (hex)`, text: b.subarray(0, WINDOW_BYTES).toString('hex'), hex: true }];
  for (let k = 0; k < 3; k++) {
    // 16 bytes from offset k: its first 20 base64 characters stand for 15 whole bytes.
    const window = b.subarray(k, k + WINDOW_BYTES + 2);
    out.push({ what: `${what} (base64 from byte ${k})`, text: window.toString('base64').slice(0, 20) });
    out.push({ what: `${what} (base64url from byte ${k})`, text: window.toString('base64url').slice(0, 20) });
  }
  return out;
}

/** The passphrase as typed, hex, base64 and URL-encoded; `fileText` is the passphrase file's content. */
export function passphraseNeedles(passphrase: string, fileText?: string): Needle[] {
  const out: Needle[] = [
    { what: 'the store passphrase', text: passphrase },
    { what: 'the store passphrase (hex)', text: Buffer.from(passphrase).toString('hex'), hex: true },
    { what: 'the store passphrase (base64)', text: Buffer.from(passphrase).toString('base64').replace(/=+$/, '') },
    { what: 'the store passphrase (URL-encoded)', text: encodeURIComponent(passphrase) },
  ];
  if (fileText !== undefined) out.push({ what: 'the passphrase file', text: fileText });
  return out;
}

/** Body lines of an armored block (the base64 lines). */
function armorLines(armored: string): string[] {
  return armored.split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
}

/**
 * The secret material of `unlocked` (an unlocked private key: its primary key and subkeys) and
 * of `stored` (its armored file as kept on disk, encrypted), minus whatever its public key shows.
 */
export function secretKeyNeedles(name: string, unlocked: openpgp.PrivateKey, stored: string): Needle[] {
  const packets = [unlocked.keyPacket, ...unlocked.subkeys.map((s) => s.keyPacket)] as unknown as { privateParams: Record<string, Uint8Array> | null; write(): Uint8Array }[];
  const out: Needle[] = [];
  for (const [i, packet] of packets.entries()) {
    const params = packet.privateParams;
    if (!params || Object.keys(params).length === 0) throw new Error(`${name}: key packet ${i} is not unlocked`);
    for (const [param, value] of Object.entries(params)) out.push(...binaryNeedles(`${name}: private parameter ${param} of key packet ${i}`, value));
    // The cleartext packet: its secret part is its end (after the public key), so look at that.
    const bytes = packet.write();
    out.push(...binaryNeedles(`${name}: cleartext secret key packet ${i}, its end`, bytes.subarray(bytes.length - WINDOW_BYTES - 2)));
  }
  const publicLines = new Set(armorLines(unlocked.toPublic().armor()));
  for (const [form, armored] of [['cleartext', unlocked.armor()], ['stored, encrypted', stored]] as const) {
    const lines = armorLines(armored).filter((l) => !publicLines.has(l));
    if (lines.length < 5) throw new Error(`${name}: the ${form} armored key has too few secret lines to look for`);
    out.push(...lines.map((text, i) => ({ what: `${name}: armored key (${form}), line ${i + 1}`, text })));
  }
  return out;
}

/** The needles `text` contains, by what they are (nothing secret in the answer). */
export function findLeaks(text: string, needles: Needle[]): string[] {
  const lower = text.toLowerCase();
  return needles.filter((n) => (n.hex ? lower.includes(n.text.toLowerCase()) : text.includes(n.text))).map((n) => n.what);
}
