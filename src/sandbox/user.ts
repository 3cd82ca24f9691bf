/**
 * The unprivileged user sandboxed commands run as. When distforge runs as root, bwrap sets the
 * sandbox up as root and the command drops to this user (bwrap.ts): uid and gid 990000 by default
 * (`DISTFORGE_SANDBOX_UID`/`_GID` or the node's settings choose others), an id no account of the
 * host uses, so the sandbox can own nothing of the host's and no other local user can touch what
 * it writes. Inside the sandbox the user is named `builder` (identityFiles). When distforge runs as
 * another user, sandboxes run as that user (null here), in their own user namespace.
 */
import { chmodSync, lchownSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SandboxUser {
  uid: number;
  gid: number;
}

/** The default sandbox uid and gid. */
export const DEFAULT_SANDBOX_ID = 990000;

function idFrom(value: string | undefined, what: string): number {
  if (value === undefined || value === '') return DEFAULT_SANDBOX_ID;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1000 || n > 4_000_000_000) throw new Error(`${what} must be a whole number from 1000 to 4000000000, not ${JSON.stringify(value)}`);
  return n;
}

/**
 * Who sandboxed commands run as in this process: the sandbox user when we are root, else null.
 * @throws Error for a malformed DISTFORGE_SANDBOX_UID / _GID (a start-up error)
 */
export function sandboxUser(env: NodeJS.ProcessEnv = process.env): SandboxUser | null {
  if (process.getuid?.() !== 0) return null;
  return { uid: idFrom(env.DISTFORGE_SANDBOX_UID, 'DISTFORGE_SANDBOX_UID'), gid: idFrom(env.DISTFORGE_SANDBOX_GID, 'DISTFORGE_SANDBOX_GID') };
}

/**
 * Lets the sandbox's user use `path` (recursively): a writable mount is given to it (chown); a
 * read-only one is made readable by everyone (a+r, and a+x on directories and on files executable
 * by their owner), which the mount keeps read-only. Whatever the process's umask made them, the
 * sandbox can then read its inputs; the mount's parents stay as they are (bwrap binds it as root).
 */
export function giveToSandbox(path: string, user: SandboxUser | null, writable: boolean): void {
  if (user === null) return;
  const walk = (p: string): void => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    if (writable) lchownSync(p, user.uid, user.gid);
    else {
      const exec = st.isDirectory() || (st.mode & 0o100) !== 0 ? 0o111 : 0;
      const mode = (st.mode & 0o7777) | 0o444 | exec;
      if (mode !== (st.mode & 0o7777)) chmodSync(p, mode);
    }
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(path);
}

/**
 * Writes passwd and group files into `dir` naming root and the sandbox's user (`builder`, home
 * `home`), for binding over /etc/passwd and /etc/group: tools that look the user up find it.
 */
export function identityFiles(dir: string, user: SandboxUser | null, home: string): { passwd: string; group: string } {
  const uid = user?.uid ?? process.getuid?.() ?? 0;
  const gid = user?.gid ?? process.getgid?.() ?? 0;
  const passwd = join(dir, 'passwd');
  const group = join(dir, 'group');
  const users = uid === 0 ? [`root:x:0:0:root:${home}:/bin/bash`] : ['root:x:0:0:root:/root:/bin/bash', `builder:x:${uid}:${gid}:distforge builder:${home}:/bin/bash`];
  const groups = gid === 0 ? ['root:x:0:'] : ['root:x:0:', `builder:x:${gid}:`];
  writeFileSync(passwd, `${users.join('\n')}\n`);
  writeFileSync(group, `${groups.join('\n')}\n`);
  // Readable by the sandbox's user whatever the process's umask.
  chmodSync(passwd, 0o644);
  chmodSync(group, 0o644);
  return { passwd, group };
}
