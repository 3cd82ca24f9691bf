/**
 * The closure check on packages built in memory. The expectations are what `dnf repoclosure`
 * reported for the same packages written as RPMs (test/repo/closure-dnf.test.ts checks that live).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClosureChecker, findUnresolved } from './find-unresolved.ts';
import { pkg } from './test-support.ts';

function unresolvedOf(result: ReturnType<typeof findUnresolved>, nevra: string): string[] | undefined {
  return result.find((r) => r.package === nevra)?.unresolved;
}

const provider = pkg('prov', {
  provides: ['prov = 1.0-1', 'cap-a = 2.0-1', 'cap-b'],
  files: ['/usr/share/prov/data.txt', '/usr/share/prov/', '!/var/log/prov.log'],
});
const eprov = pkg('eprov', { epoch: '2', provides: ['ecap = 2:1.5-1'] });

describe('findUnresolved', () => {
  test('a closed set gives nothing', () => {
    assert.deepEqual(findUnresolved([provider, pkg('user', { requires: ['cap-a >= 1.0', 'cap-b', 'prov'] })]), []);
    assert.deepEqual(findUnresolved([]), []);
  });

  test('versioned requirements: failing only by version, epochs, epoch 0 not printed', () => {
    const user = pkg('user1', {
      requires: ['cap-a >= 3.0', 'cap-a >= 1.0', 'cap-a < 0:1.0', 'missing-x >= 0:1.0-1', 'missing-y = 3:1.0', 'ecap >= 1.5', 'eprov < 3', 'eprov >= 2:1.0'],
    });
    const r = findUnresolved([provider, eprov, user]);
    assert.deepEqual(r, [{ package: 'user1-1.0-1.x86_64', unresolved: ['cap-a < 1.0', 'cap-a >= 3.0', 'eprov < 3', 'missing-x >= 1.0-1', 'missing-y = 3:1.0'] }]);
  });

  test('the self-provide name = EVR is added for binary packages even when repodata lacks it', () => {
    const bare = pkg('bare', { epoch: '1', version: '2.0', release: '3' });
    const r = findUnresolved([bare, pkg('u', { requires: ['bare = 1:2.0-3', 'bare >= 1:2.0', 'bare > 1:2.0', 'bare < 2.0'] })]);
    assert.deepEqual(unresolvedOf(r, 'u-1.0-1.x86_64'), ['bare < 2.0', 'bare > 1:2.0']);
  });

  test('file requirements are satisfied by files, directories and ghosts of the file lists', () => {
    const user = pkg('user', {
      requires: ['/usr/share/prov/data.txt', '/usr/share/prov', '/var/log/prov.log', '/usr/share/prov/nothere', '/usr/share/prov/data.txt >= 1'],
    });
    assert.deepEqual(findUnresolved([provider, user]), [{ package: 'user-1.0-1.x86_64', unresolved: ['/usr/share/prov/nothere'] }]);
  });

  test('an explicit Provides of a path counts, unversioned for versioned requirements too', () => {
    const fake = pkg('fake', { provides: ['/usr/libexec/fake'] });
    assert.deepEqual(findUnresolved([fake, pkg('u', { requires: ['/usr/libexec/fake', '/usr/libexec/fake >= 2'] })]), []);
  });

  test('rich requirements: and/or are potential providers, if/unless/else, with/without', () => {
    const rich = pkg('rich1', {
      arch: 'noarch',
      requires: [
        '(cap-a >= 3 or cap-b)',
        '(cap-a >= 3 and cap-b)',
        '(nothing1 or nothing2)',
        '(nothing1 and cap-b)',
        '(nothing3 if cap-b)',
        '(cap-b if nothing4)',
        '(nothing5 if cap-b else nothing6)',
        '(nothing7 unless cap-b else cap-a)',
        '(cap-a with cap-b)',
        '(cap-a with ecap)',
        '(cap-a without cap-b)',
        '(cap-a without ecap)',
        '(foo or)',
        '((nothing8 and nothing9) and (nothing10 or nothing11))',
        '(n12 and (n13 and n14))',
        '(n15 >= 0:1.0 or n16 < 1:2-3)',
        '(a2 else b2)',
        '((a1 and b1) and c1)',
        '(a1 and b1 and c1)',
        '(/usr/share/prov/data.txt and a16)',
        '(/usr/share/prov/y or a17)',
      ],
    });
    const r = findUnresolved([provider, eprov, rich]);
    assert.deepEqual(unresolvedOf(r, 'rich1-1.0-1.noarch'), [
      '(/usr/share/prov/y or a17)',
      '(a1 and b1 and c1)',
      '(a1 and b1 and c1)',
      '(a2 else b2)',
      '(cap-a with ecap)',
      '(cap-a without cap-b)',
      '(n12 and n13 and n14)',
      '(n15 >= 1.0 or n16 < 1:2-3)',
      '(nothing1 or nothing2)',
      '(nothing3 if cap-b)',
      '(nothing5 if cap-b else nothing6)',
      '(nothing8 and nothing9 and (nothing10 or nothing11))',
    ]);
  });

  test('source packages are checked but provide nothing', () => {
    const src = pkg('srcpkg', { arch: 'src', requires: ['buildreq-missing'], provides: ['srccap'], files: ['srcpkg.spec'] });
    const user = pkg('usesrc', { requires: ['srccap', 'srcpkg', '/srcpkg.spec'] });
    assert.deepEqual(findUnresolved([src, user]), [
      { package: 'srcpkg-1.0-1.src', unresolved: ['buildreq-missing'] },
      { package: 'usesrc-1.0-1.x86_64', unresolved: ['/srcpkg.spec', 'srccap', 'srcpkg'] },
    ]);
  });

  test('with a machine architecture, foreign packages are checked but provide nothing', () => {
    const arm = pkg('armpkg', { arch: 'aarch64', provides: ['armcap'], requires: ['armreq-missing'] });
    const i6 = pkg('i6pkg', { arch: 'i686', provides: ['i6cap'] });
    const athlon = pkg('athl', { arch: 'athlon', provides: ['athcap'] });
    const user = pkg('user', { requires: ['armcap', 'armpkg', 'i6cap', 'athcap'] });
    assert.deepEqual(findUnresolved([arm, i6, athlon, user], { arch: 'x86_64' }), [
      { package: 'armpkg-1.0-1.aarch64', unresolved: ['armreq-missing'] },
      { package: 'user-1.0-1.x86_64', unresolved: ['armcap', 'armpkg', 'athcap'] },
    ]);
    assert.deepEqual(findUnresolved([arm, i6, athlon, user]), [{ package: 'armpkg-1.0-1.aarch64', unresolved: ['armreq-missing'] }]);
    assert.deepEqual(unresolvedOf(findUnresolved([arm, i6, athlon, user], { arch: 'aarch64' }), 'user-1.0-1.x86_64'), ['athcap', 'i6cap']);
  });

  test('rpmlib( and solvable: requirements are skipped; repeats count once', () => {
    const user = pkg('u', { requires: ['rpmlib(CompressedFileNames) <= 3.0.4-1', 'rpmlib(Foo)', 'solvable:prereqmarker', 'gone', 'gone', 'gone >= 1', 'gone >= 0:1'] });
    assert.deepEqual(findUnresolved([user]), [{ package: 'u-1.0-1.x86_64', unresolved: ['gone', 'gone >= 1'] }]);
  });

  test('a rich Provides is filed under its leftmost name, unversioned', () => {
    const odd = pkg('odd', { provides: ['(lefty or righty)'] });
    const user = pkg('u', { requires: ['lefty', 'righty', 'lefty >= 1'] });
    assert.deepEqual(unresolvedOf(findUnresolved([odd, user]), 'u-1.0-1.x86_64'), ['lefty >= 1', 'righty']);
  });

  test('packages sort by name, EVR, arch; epochs print when not 0; the repository is kept', () => {
    const checker = new ClosureChecker();
    checker.add(pkg('b', { requires: ['x'] }), 'r2');
    checker.add(pkg('a', { version: '10', requires: ['x'] }), 'r1');
    checker.add(pkg('a', { version: '9', requires: ['x'] }), 'r2');
    checker.add(pkg('a', { version: '9', arch: 'noarch', requires: ['x'] }), 'r1');
    checker.add(pkg('a', { epoch: '1', version: '1', requires: ['x'] }), 'r1');
    assert.deepEqual(
      checker.check().map((r) => `${r.package} ${r.repo}`),
      ['a-9-1.noarch r1', 'a-9-1.x86_64 r2', 'a-10-1.x86_64 r1', 'a-1:1-1.x86_64 r1', 'b-1.0-1.x86_64 r2'],
    );
  });
});

describe('at scale', () => {
  // Speed is measured outside the suite (no timing assertions in tests): 50,000 such packages
  // close in about 1.6 s on the project's machine.
  test('a 5,000-package chain with file lists: exactly the broken packages are listed', () => {
    const packages = [];
    for (let i = 0; i < 5_000; i++) {
      const files = Array.from({ length: 20 }, (_, k) => `/usr/share/p${i}/f${k}`);
      files.push(`/usr/bin/p${i}`);
      const requires = i === 0 ? [] : [`p${i - 1} >= 1.0`, `/usr/bin/p${i - 1}`, `libp${Math.floor(i / 2)}.so.1()(64bit)`, `(p${i - 1} or q${i})`];
      if (i % 1000 === 999) requires.push(`missing${i} >= 2`);
      packages.push(pkg(`p${i}`, { provides: [`libp${i}.so.1()(64bit)`, `p${i} = 1.0-1`], requires, files }));
    }
    const r = findUnresolved(packages);
    assert.deepEqual(
      r.flatMap((x) => x.unresolved).sort(),
      Array.from({ length: 5 }, (_v, k) => `missing${k * 1000 + 999} >= 2`).sort(),
    );
  });
});
