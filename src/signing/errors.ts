/** Errors of the signing domain. */
import { DistforgeError } from '../errors.ts';

/** A key that may not sign a platform's packages. */
export class KeyNotAllowedError extends DistforgeError {
  constructor(keyid: string, platform: string) {
    super('key_not_allowed', `key ${keyid} may not sign packages of platform ${platform} (an admin allows it: PUT /api/v1/keys/${keyid}/platforms)`, { status: 403 });
  }
}

/** A build that cannot be signed now (not finished, nothing to sign, tests not passed). */
export class NotSignableError extends DistforgeError {
  constructor(message: string) {
    super('not_signable', message, { status: 409 });
  }
}

/** A public key that cannot be registered (not a public key, a private key, unreadable). */
export class BadPublicKeyError extends DistforgeError {
  constructor(message: string) {
    super('bad_public_key', message, { status: 400 });
  }
}

/** A signed package that does not check out against the original and the key. */
export class BadSignatureError extends DistforgeError {
  constructor(message: string) {
    super('bad_signature', message, { status: 422 });
  }
}
