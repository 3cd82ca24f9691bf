/**
 * A file list of plain names (printable ASCII, nothing to escape) that walks createrepo_c's
 * primary-file rule: `/etc/` against `/etcetera`, `bin/` in any directory, /usr/lib/sendmail
 * against its neighbours, directories and a ghost; and file requirements on some of them. Such
 * names are written from the header's bytes (src/repo/create/file-lines.ts): file-lines.test.ts
 * compares that with the string path, test/repo/createrepo-compare.test.ts with createrepo_c.
 */
import { FileFlag } from '../../src/rpm/tags.ts';
import type { RpmSpec } from '../../src/rpm/writer.ts';

export const PLAIN_NAMES: Pick<RpmSpec, 'files' | 'requires'> = {
  files: [
    { path: '/etc', mode: 0o40755 },
    { path: '/etc/plain.conf', data: 'a', flags: FileFlag.CONFIG },
    { path: '/etcetera/x', data: 'x' },
    { path: '/usr/bin', mode: 0o40755 },
    { path: '/usr/bin/plain', mode: 0o100755, data: 'b' },
    { path: '/opt/p/sbin/y', data: 'c' },
    { path: '/opt/cabin/z', data: 'z' },
    { path: '/usr/lib/sendmail', data: 'e' },
    { path: '/usr/lib/sendmail.cf', data: 'f' },
    { path: '/usr/lib/send', data: 'g' },
    { path: '/usr/share/plain', mode: 0o40755 },
    { path: '/usr/share/plain/ghost.log', flags: FileFlag.GHOST },
    { path: '/usr/share/plain/with space "quoted" \'x\' =;', data: 'h' },
  ],
  requires: [{ name: '/usr/bin/plain' }, { name: '/etc/plain.conf' }, { name: '/usr/share/plain/ghost.log' }, { name: '/usr/bin/elsewhere' }],
};
