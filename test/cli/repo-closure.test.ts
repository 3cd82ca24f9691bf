/**
 * `distforge repo closure` as a user runs it, on repositories indexed by createrepo_c: the text and
 * JSON reports, exit statuses (1 when anything is unresolved), several repositories checked
 * together, directories, file:// and http:// locations, and one clear line for a repository that
 * is missing, does not answer or has damaged metadata.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Sense } from '../../src/rpm/tags.ts';
import { rpmFileName, writeRpm, type RpmSpec } from '../../src/rpm/writer.ts';
import { runCli } from '../support/cli.ts';
import { serveDirectory, type StaticServer } from '../support/http-static.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-closure-cli-'));
const broken = join(work, 'broken');
const helper = join(work, 'helper');
let server: StaticServer;

function spec(name: string, extra: Partial<RpmSpec> = {}): RpmSpec {
  return { name, version: '1.0', release: '1', arch: 'noarch', summary: name, description: name, license: 'MIT', buildtime: 1_700_000_000, ...extra };
}

function writeRepo(dir: string, specs: RpmSpec[]): void {
  mkdirSync(dir, { recursive: true });
  for (const s of specs) writeRpm(join(dir, rpmFileName(s)), s);
  const r = spawnSync('createrepo_c', ['--no-database', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** A local port nothing listens on (taken from a server that was just closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((done) => s.close(() => done()));
  return port;
}

before(async () => {
  writeRepo(broken, [
    spec('alpha', { epoch: 2, arch: 'x86_64', requires: [{ name: 'helper-lib', flags: Sense.GREATER | Sense.EQUAL, evr: '1.0' }, { name: '(helper-data or helper-data-ng)' }] }),
    spec('beta', { requires: [{ name: '/usr/share/helper/words' }, { name: 'helper-lib', flags: Sense.GREATER | Sense.EQUAL, evr: '5.0' }] }),
    spec('gamma', { requires: [{ name: 'alpha' }] }),
  ]);
  writeRepo(helper, [
    spec('helper-lib', { version: '2.0' }),
    spec('helper-data', { files: [{ path: '/usr/share/helper', mode: 0o40755 }, { path: '/usr/share/helper/words', data: 'w\n' }] }),
  ]);
  server = await serveDirectory(work);
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('repo closure', () => {
  test('text report: each package with its unresolved requirements, exit 1', async () => {
    const r = await runCli(['repo', 'closure', '--repo', broken]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stdout,
      [
        `package: alpha-2:1.0-1.x86_64 from ${broken}`,
        '  unresolved deps (2):',
        '    (helper-data or helper-data-ng)',
        '    helper-lib >= 1.0',
        `package: beta-1.0-1.noarch from ${broken}`,
        '  unresolved deps (2):',
        '    /usr/share/helper/words',
        '    helper-lib >= 5.0',
        '',
      ].join('\n'),
    );
  });

  test('--json: an array of {package, unresolved}', async () => {
    const r = await runCli(['repo', 'closure', '--json', '--repo', broken]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      { package: 'alpha-2:1.0-1.x86_64', unresolved: ['(helper-data or helper-data-ng)', 'helper-lib >= 1.0'] },
      { package: 'beta-1.0-1.noarch', unresolved: ['/usr/share/helper/words', 'helper-lib >= 5.0'] },
    ]);
  });

  test('repositories are checked together; file:// and http:// locations work', async () => {
    const r = await runCli(['repo', 'closure', '--json', '--repo', `file://${broken}`, '--repo', `${server.url}/helper`]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [{ package: 'beta-1.0-1.noarch', unresolved: ['helper-lib >= 5.0'] }]);
    const closed = await runCli(['repo', 'closure', '--repo', helper]);
    assert.deepEqual([closed.code, closed.stdout, closed.stderr], [0, '', '']);
    const closedJson = await runCli(['repo', 'closure', '--json', '--repo', helper]);
    assert.deepEqual([closedJson.code, JSON.parse(closedJson.stdout)], [0, []]);
  });

  test('a missing, silent or damaged repository: one line naming it, exit 1', async () => {
    const damaged = join(work, 'damaged');
    writeRepo(damaged, [spec('delta')]);
    const primary = readdirSync(join(damaged, 'repodata')).find((f) => f.includes('primary.xml'));
    assert.ok(primary);
    writeFileSync(join(damaged, 'repodata', primary), 'not gzip at all');
    const noMetadata = join(work, 'empty-dir');
    mkdirSync(noMetadata);
    const cases = [join(work, 'does-not-exist'), noMetadata, damaged, `http://127.0.0.1:${await closedPort()}/repo`, `${server.url}/nothing-here`];
    for (const location of cases) {
      const r = await runCli(['repo', 'closure', '--repo', helper, '--repo', location]);
      assert.equal(r.code, 1, `${location}: ${r.stdout}${r.stderr}`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0] ?? '', /^distforge: /);
      assert.ok(lines[0]?.includes(location), `${lines[0]} names ${location}`);
      assert.equal(r.stdout, '');
    }
  });

  test('without --repo: a usage error, exit 2', async () => {
    const r = await runCli(['repo', 'closure']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--repo/);
  });
});
