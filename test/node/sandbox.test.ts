/**
 * The sandbox and the arch rules, with real builds in the example platform's build roots: a spec
 * whose bash connects to listeners on the host's 127.0.0.1 and its other addresses reaches none
 * (the sandbox has its own network), where the same bash lines reach each of them on the host; a
 * spec that writes to /usr, /etc, the root, its input and a host directory is refused everywhere
 * and its /tmp is private; it runs as the unprivileged sandbox user with the root as `/` (bash is
 * /bin/sh, nothing of the host's /usr); arches the host does not really build are refused before
 * anything runs; ExclusiveArch is rpmbuild's to enforce.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { targetArches } from '../../src/platforms/arches.ts';
import { buildRpmsInRoot, buildSrpmInRoot } from '../../src/node/builders/rpmbuild-root.ts';
import { DEFAULT_SANDBOX_ID } from '../../src/sandbox/index.ts';
import { bootstrapRepo } from '../support/bootstrap-repo.ts';
import { ArchNotBuildableError } from '../../src/node/errors.ts';
import { assertBuildableArch, buildableArches, checkServedArches, hostArch } from '../../src/node/host.ts';
import { findSpec } from '../../src/node/sources.ts';
import { startListeners } from '../support/tcp-listeners.ts';
import { examplePlatform, rootOptions } from './support.ts';

const platform = examplePlatform();
let dir: string;

function spec(name: string, body: string, header = ''): string {
  return `Name: ${name}\nVersion: 1\nRelease: 1%{?dist}\nSummary: ${name}\nLicense: MIT\n${header}\n%description\n${name}\n\n%prep\n\n%build\n${body}\n\n%install\n\n%files\n`;
}

/** Builds the SRPM, then the RPMs, of a one-spec tree; returns the binary build's promise. */
async function build(name: string, text: string, arch = 'x86_64'): Promise<Awaited<ReturnType<typeof buildRpmsInRoot>>> {
  const tree = join(dir, name, 'tree');
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, `${name}.spec`), text);
  const s = await buildSrpmInRoot({ kind: 'git', dir: tree, commit: 'test', ...findSpec(tree) }, join(dir, name, 'srpm'), rootOptions());
  return buildRpmsInRoot(s.srpmPath, arch, join(dir, name, arch), rootOptions());
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'distforge-node-sandbox-'));
  await bootstrapRepo();
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the build sandbox', () => {
  test('has no network: a build reaches none of the host’s listeners that bash reaches outside it', async () => {
    const listeners = await startListeners();
    try {
      // The same client both times: bash's /dev/tcp (the build shell is bash), one line a listener.
      const script = listeners.targets
        .map((t) => `if (exec 3<>/dev/tcp/${t.address}/${t.port}) 2>&1; then echo "REACHED ${t.address}"; else echo "NO CONNECTION ${t.address}"; fi`)
        .join('\n');
      const outside = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
      for (const t of listeners.targets) assert.match(outside.stdout, new RegExp(`^REACHED ${t.address}$`, 'm'), 'bash reaches the listener on the host');
      assert.deepEqual((await listeners.takeReached()).sort(), listeners.targets.map((t) => t.address).sort());

      const b = await build('netprobe', spec('netprobe', script));
      const log = readFileSync(b.logPath, 'utf8');
      const said = log.split('\n').filter((l) => /^(REACHED|NO CONNECTION) |^bash: /.test(l)).join('\n');
      for (const t of listeners.targets) {
        assert.match(log, new RegExp(`^NO CONNECTION ${t.address}$`, 'm'), `the build's bash says:\n${said}`);
        assert.match(log, new RegExp(`/dev/tcp/${t.address}/${t.port}: (Connection refused|Network is unreachable|Cannot assign requested address)$`, 'm'), said);
      }
      assert.doesNotMatch(log, /^REACHED /m);
      assert.deepEqual(await listeners.takeReached(), [], 'no listener saw a connection from the build');
    } finally {
      await listeners.close();
    }
  });

  test('cannot write outside its build root, and its /tmp is private', async () => {
    const hostDir = join(dir, 'host-only');
    mkdirSync(hostDir);
    const marker = `distforge-sandbox-marker-${process.pid}`;
    const targets = ['/usr/distforge-escape', '/etc/distforge-escape', '/distforge-escape', '/builddir/input/escape', `${hostDir}/escape`];
    const body = [
      `for p in ${targets.join(' ')}; do`,
      '  if (echo x > "$p") 2>/dev/null; then echo "WROTE $p"; else echo "REFUSED $p"; fi',
      'done',
      `echo secret > /tmp/${marker} && echo "TMP OK"`,
      'echo "HOST $(uname -n)"',
      'echo "UID $(id -u) $(id -un)"',
      'echo "SH $(readlink -f /bin/sh)"',
      `for f in /usr/bin/dash /usr/bin/node /usr/lib/x86_64-linux-gnu/libnode.so.108 ${process.execPath}; do if test -e "$f"; then echo "HOST FILE $f"; fi; done`,
    ].join('\n');
    const b = await build('writeprobe', spec('writeprobe', body));
    const log = readFileSync(b.logPath, 'utf8');
    for (const t of targets) assert.match(log, new RegExp(`^REFUSED ${t}$`, 'm'));
    assert.doesNotMatch(log, /^WROTE /m);
    assert.match(log, /^TMP OK$/m);
    assert.match(log, /^HOST build\.example\.invalid$/m);
    assert.match(log, new RegExp(`^UID ${process.getuid?.() === 0 ? DEFAULT_SANDBOX_ID : process.getuid?.()} builder$`, 'm'), 'runs as the unprivileged sandbox user');
    assert.match(log, /^SH \/usr\/bin\/bash$/m, '/bin/sh is bash, as in EL roots');
    assert.doesNotMatch(log, /^HOST FILE /m, 'nothing of the host\'s /usr is in the root');
    for (const t of [...targets.slice(0, 3), `${hostDir}/escape`, `/tmp/${marker}`]) assert.ok(!existsSync(t), `${t} exists on the host`);
  });
});

describe('arches', () => {
  test('this host builds its own arch and noarch only', () => {
    assert.deepEqual(buildableArches(), [hostArch(), 'noarch']);
    assert.deepEqual(checkServedArches([hostArch(), 'noarch']), [hostArch(), 'noarch']);
    const foreign = hostArch() === 'aarch64' ? 'x86_64' : 'aarch64';
    assert.throws(() => checkServedArches([hostArch(), foreign]), ArchNotBuildableError);
    assert.throws(() => assertBuildableArch('ppc64le'), /cannot build for ppc64le on this node: it builds only/);
    assert.doesNotThrow(() => assertBuildableArch('src'));
  });

  test('a binary build for a foreign arch is refused before anything runs', async () => {
    const foreign = hostArch() === 'aarch64' ? 'x86_64' : 'aarch64';
    await assert.rejects(build('foreign', spec('foreign', 'true'), foreign), (e: unknown) => {
      assert.ok(e instanceof ArchNotBuildableError);
      assert.equal(e.arch, foreign);
      return true;
    });
    assert.ok(!existsSync(join(dir, 'foreign', foreign)), 'no work dir was made');
  });

  test('ExclusiveArch: no target arch on the platform, and rpmbuild refuses the host arch', async () => {
    const text = spec('exclusive', 'true', 'ExclusiveArch: s390x');
    assert.deepEqual(targetArches({ buildArchs: [], excludeArch: [], exclusiveArch: ['s390x'] }, platform.arches), []);
    await assert.rejects(build('exclusive', text), /rpmbuild failed: Architecture is not included: x86_64/);
  });
});
