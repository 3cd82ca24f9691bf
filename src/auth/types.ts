/**
 * Users, nodes and their tokens, as the API shows them.
 *
 * Terminology:
 * - user: a person or robot account with one role: `admin` (everything), `maintainer` (submit and
 *   manage builds) or `read-only` (read). Anonymous callers (no token) may read public builds and
 *   logs, platforms and the health check.
 * - node: a build/test machine, known by name, with the arches it builds, its capabilities
 *   (build, test, sign) and how many tasks it runs at once. An admin creates it, grants its arches
 *   and capabilities, and gets its token; the node advertises what it runs in its hello and serves
 *   only what was granted of that (a hello never widens the grant).
 * - token: a secret `df_` + 43 base64url characters (32 random bytes), shown once when created;
 *   only its sha256 is stored. A user token acts as its user (with the user's role); a node token
 *   acts as its node and is refused for user calls. A revoked token stops working at once.
 * - admin token: the token of the user `admin`, created on the server's first start and written to
 *   DATA/admin.token (mode 0600).
 */
import type { Role } from '../db/schema.ts';
import type { Arch } from '../platforms/types.ts';

export const ROLES: readonly Role[] = ['admin', 'maintainer', 'read-only'];
export const CAPABILITIES = ['build', 'test', 'sign'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface UserInfo {
  id: number;
  name: string;
  role: Role;
  createdAt: number;
}

export interface NodeInfo {
  id: number;
  name: string;
  /** The arches an admin granted. */
  arches: Arch[];
  /** The capabilities an admin granted. */
  capabilities: Capability[];
  /** What the node advertised in its last hello (null before its first); it serves only what is
   * also granted. */
  advertisedArches: Arch[] | null;
  advertisedCapabilities: Capability[] | null;
  maxConcurrency: number;
  enabled: boolean;
  /** Last time the node called the master (ms), or null if it never did. */
  lastSeenAt: number | null;
  createdAt: number;
}

export interface TokenInfo {
  id: number;
  kind: 'user' | 'node';
  /** The user's name for a user token, else null. */
  user: string | null;
  /** The node's name for a node token, else null. */
  node: string | null;
  createdAt: number;
  revokedAt: number | null;
}

/** Who a valid token belongs to. */
export type TokenOwner =
  | { kind: 'user'; tokenId: number; userId: number; name: string; role: Role }
  | { kind: 'node'; tokenId: number; nodeId: number; name: string; enabled: boolean };

/** A token just created: its record and the secret, which is never shown again. */
export interface IssuedToken {
  token: TokenInfo;
  secret: string;
}
