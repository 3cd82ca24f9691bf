/**
 * The checks every git URL goes through wherever it enters the server (build sources, mirror
 * upstreams, rules' autopatch repositories, platforms' test repositories): bounded length, no
 * control or formatting characters, no leading `-` (git would take it for an option), no
 * credentials (they would be stored and shown to every reader); and, for a local repository, that
 * it is not inside the server's own data directory, compared by real paths so that symbolic
 * links, `/proc/self/root/…` or `/proc/self/cwd/…` do not get around it. A leaf module (it
 * imports nothing of ours): callers turn a problem into their own error.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unsafeTextProblem } from './text.ts';

/** Longest git URL accepted (git and the kernel's argument limits are far above it). */
export const MAX_GIT_URL_LENGTH = 2048;

const AUTHORITY = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i;

/** Whether `url` carries credentials: a password (`scheme://user:pass@`), or a user name over http(s)/ftp(s), where it is a token. */
export function hasCredentials(url: string): boolean {
  const m = AUTHORITY.exec(url);
  if (!m) return false;
  const [, scheme = '', userinfo = ''] = m;
  return userinfo.includes(':') || /^(https?|ftps?)$/i.test(scheme);
}

/** `url` with its user information replaced by `***` when it carries credentials (for messages and views). */
export function redactCredentials(url: string): string {
  return hasCredentials(url) ? url.replace(AUTHORITY, (_all, scheme: string) => `${scheme}://***@`) : url;
}

/** Why `url` cannot be a git URL (never echoing a password), or null when it can. */
export function gitUrlProblem(url: string): string | null {
  if (url.length > MAX_GIT_URL_LENGTH) return `is ${url.length} characters long (at most ${MAX_GIT_URL_LENGTH})`;
  const unsafe = unsafeTextProblem(url);
  if (unsafe) return unsafe;
  if (url.startsWith('-')) return 'must not start with "-"';
  if (hasCredentials(url)) {
    return `must not hold credentials (${redactCredentials(url)}): the URL is stored and shown to every reader; give the server access with an SSH key or a git credential helper instead`;
  }
  return null;
}

/** The file system path a local git URL names (an absolute path or a file:// URL), else null. */
export function localGitPath(url: string): string | null {
  if (/^file:\/\//i.test(url)) {
    try {
      return fileURLToPath(url);
    } catch {
      return null;
    }
  }
  return isAbsolute(url) ? url : null;
}

/** The real path of `path`; for a path that does not exist, its nearest existing ancestor's real path with the rest appended. */
function canonicalPath(path: string): string {
  try {
    return realpathSync.native(path);
  } catch (e) {
    const parent = dirname(path);
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw e;
    return join(canonicalPath(parent), basename(path));
  }
}

/**
 * Why the local repository `url` names may not be used by a server whose data directory is
 * `dataDir` (it is inside it, or its path cannot be resolved), or null (remote URLs too).
 */
export function dataDirProblem(url: string, dataDir: string): string | null {
  const local = localGitPath(url);
  if (local === null) return null;
  let real: string;
  let data: string;
  try {
    real = canonicalPath(local);
    data = canonicalPath(dataDir);
  } catch (e) {
    return `its path cannot be resolved (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return real === data || real.startsWith(data.endsWith(sep) ? data : `${data}${sep}`) ? "is inside the server's data directory" : null;
}
