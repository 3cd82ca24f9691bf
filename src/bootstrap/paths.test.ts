/** Merged-/usr paths, link targets, globs and the drop rules of the bootstrap maker. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyrightDeb, DROPPED, globMatcher, mergedLinkTarget, mergedPath } from './paths.ts';

test('mergedPath moves /bin, /sbin, /lib, /lib64 under /usr and /var/run to /run', () => {
  assert.equal(mergedPath('/bin/bash'), '/usr/bin/bash');
  assert.equal(mergedPath('/sbin/ldconfig'), '/usr/sbin/ldconfig');
  assert.equal(mergedPath('/lib/x86_64-linux-gnu/libc.so.6'), '/usr/lib/x86_64-linux-gnu/libc.so.6');
  assert.equal(mergedPath('/lib64/ld-linux-x86-64.so.2'), '/usr/lib64/ld-linux-x86-64.so.2');
  assert.equal(mergedPath('/lib'), '/usr/lib');
  assert.equal(mergedPath('/var/run/x'), '/run/x');
  assert.equal(mergedPath('/usr/bin/env'), '/usr/bin/env');
  assert.equal(mergedPath('/library/x'), '/library/x');
  assert.equal(mergedPath('/binaries'), '/binaries');
});

test('mergedLinkTarget keeps links pointing where they pointed', () => {
  // absolute targets are normalised
  assert.equal(mergedLinkTarget('/lib64/ld-linux-x86-64.so.2', '/usr/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'), '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
  // a relative target in the same directory stays as Debian wrote it
  assert.equal(mergedLinkTarget('/bin/rbash', '/usr/bin/rbash', 'bash'), 'bash');
  // a relative target that climbed out of /lib is recomputed from the new place
  assert.equal(mergedLinkTarget('/lib/x86_64-linux-gnu/libfoo.so', '/usr/lib/x86_64-linux-gnu/libfoo.so', '../../usr/lib/x86_64-linux-gnu/libfoo.so.1'), 'libfoo.so.1');
  // a link from /usr into /lib
  assert.equal(mergedLinkTarget('/usr/lib/x86_64-linux-gnu/libz.so', '/usr/lib/x86_64-linux-gnu/libz.so', '../../../lib/x86_64-linux-gnu/libz.so.1'), '../../../lib/x86_64-linux-gnu/libz.so.1');
});

test('globs: * within a segment, ** across, ? and classes', () => {
  const m = globMatcher(['/usr/share/aclocal/**', '/usr/bin/gp-*', '/usr/lib/gcc/*/12/plugin/libc[cp]1plugin.so*', '/etc/?ost']);
  assert.ok(m('/usr/share/aclocal/pkg.m4'));
  assert.ok(m('/usr/share/aclocal/sub/dir/x.m4'));
  assert.ok(!m('/usr/share/aclocal'));
  assert.ok(m('/usr/bin/gp-archive'));
  assert.ok(!m('/usr/bin/gp-dir/x'));
  assert.ok(m('/usr/lib/gcc/x86_64-linux-gnu/12/plugin/libcp1plugin.so.0.0.0'));
  assert.ok(!m('/usr/lib/gcc/x86_64-linux-gnu/12/plugin/libxx1plugin.so'));
  assert.ok(m('/etc/host'));
  assert.ok(!m('/etc/hosts'));
  assert.ok(globMatcher(['/a/**/b'])('/a/b'));
  assert.ok(globMatcher(['/a/**/b'])('/a/x/y/b'));
  assert.ok(globMatcher(['/a+b.(c)'])('/a+b.(c)'));
  assert.ok(!globMatcher([])('/anything'));
});

test('documentation, translations and Debian plumbing are dropped; the copyright file is recognised', () => {
  for (const p of ['/usr/share/doc/bash/README', '/usr/share/man/man1/ls.1.gz', '/usr/share/locale/de/LC_MESSAGES/x.mo', '/usr/share/lintian/overrides/x', '/usr/lib/systemd/system/x.service', '/etc/cron.daily/x']) {
    assert.ok(DROPPED(p), p);
  }
  for (const p of ['/usr/bin/bash', '/usr/lib/locale/C.utf8/LC_CTYPE', '/etc/ld.so.conf', '/usr/share/aclocal/pkg.m4']) assert.ok(!DROPPED(p), p);
  assert.equal(copyrightDeb('/usr/share/doc/libc6/copyright'), 'libc6');
  assert.equal(copyrightDeb('/usr/share/doc/libc6/changelog.gz'), null);
});
