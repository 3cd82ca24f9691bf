/**
 * Paths of Debian files as the bootstrap repository lays them out: merged /usr (/bin, /sbin,
 * /lib, /lib64 under /usr), Debian's multiarch directory kept, documentation, manual pages,
 * translations and Debian-only plumbing left out (the copyright file stays, as the package's
 * licence), and globs over such paths.
 */
import { posix } from 'node:path';

/** Top-level directories that are links into /usr in a merged-/usr root. */
const MERGED: Record<string, string> = { bin: '/usr/bin', sbin: '/usr/sbin', lib: '/usr/lib', lib64: '/usr/lib64' };

/** `/bin/bash` → `/usr/bin/bash`; `/var/run/x` → `/run/x`; other absolute paths unchanged. */
export function mergedPath(path: string): string {
  const p = posix.normalize(path);
  const slash = p.indexOf('/', 1);
  const top = slash < 0 ? p.slice(1) : p.slice(1, slash);
  const base = MERGED[top];
  if (base !== undefined) return slash < 0 ? base : base + p.slice(slash);
  if (p === '/var/run' || p.startsWith('/var/run/')) return `/run${p.slice('/var/run'.length)}`;
  return p;
}

/**
 * The target a symlink gets once both it and what it points at moved to merged /usr. An absolute
 * target is normalised; a relative one is resolved from the link's old place, normalised, and
 * made relative again from the link's new place (so `../../usr/lib/x` from /lib/y stays right).
 */
export function mergedLinkTarget(oldPath: string, newPath: string, target: string): string {
  if (target.startsWith('/')) return mergedPath(target);
  const resolved = mergedPath(posix.resolve(posix.dirname(oldPath), target));
  const relative = posix.relative(posix.dirname(newPath), resolved);
  // Keep links that did not need to change exactly as Debian wrote them.
  return mergedPath(posix.resolve(posix.dirname(newPath), target)) === resolved ? target : relative || '.';
}

/** A glob (`*` within a segment, `**` across segments, `?`, `[…]` classes) as an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `/**` at the end or `**/` in the middle also match nothing more
        if (glob[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else {
      re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** A predicate matching any of `globs`. */
export function globMatcher(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const res = globs.map(globToRegExp);
  return (path) => res.some((r) => r.test(path));
}

/**
 * What no EL package keeps from a deb: documentation and manual pages, translations, shell
 * completions, Debian's bug-reporting, lintian, menu and maintainer plumbing, init scripts and
 * units (a build root runs no services).
 */
export const DROPPED = globMatcher([
  '/usr/share/doc/**', '/usr/share/man/**', '/usr/share/info/**', '/usr/share/locale/**', '/usr/share/lintian/**',
  '/usr/share/bug/**', '/usr/share/bash-completion/**', '/usr/share/zsh/**', '/usr/share/fish/**', '/usr/share/menu/**',
  '/usr/share/doc-base/**', '/usr/share/maven-repo/**', '/usr/share/gdb/**', '/usr/share/gcc/**', '/usr/share/apport/**',
  '/usr/share/debhelper/**', '/usr/share/perl5/Debian/**', '/usr/share/polkit-1/**', '/usr/share/emacs/**', '/usr/share/vim/**',
  '/usr/lib/systemd/**', '/usr/lib/udev/**', '/usr/lib/mime/**', '/usr/lib/tmpfiles.d/**', '/etc/init.d/**', '/etc/cron.*/**',
  '/etc/logrotate.d/**', '/etc/apparmor.d/**', '/run/**', '/usr/share/debianutils/**', '/usr/share/pixmaps/**',
]);

/** The copyright file of a deb (kept as the licence): `/usr/share/doc/DEB/copyright`. */
export function copyrightDeb(path: string): string | null {
  const m = /^\/usr\/share\/doc\/([^/]+)\/copyright$/.exec(path);
  return m ? (m[1] as string) : null;
}
