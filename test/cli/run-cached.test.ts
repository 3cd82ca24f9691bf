/**
 * Running a CommonJS bundle with a V8 code cache (src/cli/run-cached.ts, as bin/distforge runs
 * `distforge repo …`): the bundle runs as if it were the process's entry; a cache is written only
 * after a run of a named command that ended with status 0, and taken by V8 the next time (it is
 * then not written again); a damaged cache, or one made for other bytes, is not given to V8 and
 * is replaced; a name that is not a bundle beside the loader is refused. And `repo create` does
 * not read NODE_EXTRA_CA_CERTS, which every other Node start pays for.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { cacheKey, readCodeCache } from '../../src/cli/run-cached.ts';
import { makePackageSet } from '../support/package-set.ts';
import { runCli } from '../support/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distforge-run-cached-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// The loader as bin/distforge bundles it.
assert.equal(spawnSync(resolve(import.meta.dirname, '../../bin/distforge'), ['--version']).status, 0);
/** The generation bin/distforge runs now (.build/current names it). */
const currentGeneration = (): string => {
  const build = resolve(import.meta.dirname, '../../.build');
  return join(build, readFileSync(join(build, 'current'), 'utf8').trim());
};
const generation = currentGeneration();
copyFileSync(join(generation, 'run-cached.cjs'), join(tmp, 'run-cached.cjs'));

/** A bundle that reports how it sees itself (after a turn of the event loop) and exits with $CODE. */
const BUNDLE = `const { writeFileSync } = require('node:fs');
const seen = { args: process.argv.slice(2), argv1: process.argv[1], filename: __filename, helper: require('./helper.cjs') };
setImmediate(() => {
  writeFileSync(process.env.OUT, JSON.stringify(seen));
  process.exitCode = Number(process.env.CODE ?? 0);
});
`;
const bundle = join(tmp, 't.cjs');
writeFileSync(bundle, BUNDLE);
writeFileSync(join(tmp, 'helper.cjs'), 'module.exports = 42;\n');
const out = join(tmp, 'out.json');

function run(args: string[], code = 0): { status: number | null; stderr: string; seen: Record<string, unknown> | null } {
  rmSync(out, { force: true });
  const r = spawnSync('node', [join(tmp, 'run-cached.cjs'), ...args], { env: { ...process.env, OUT: out, CODE: String(code) }, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, seen: existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : null };
}

const cacheOf = (key: string): string => `${bundle}.${key}.v8cache`;
const sha256 = (b: string | Buffer): Buffer => createHash('sha256').update(b).digest();
const whole = (key: string): boolean => readCodeCache(cacheOf(key), sha256(readFileSync(bundle, 'utf8'))) !== undefined;

test('the bundle runs as the entry, with the arguments after its name', () => {
  const r = run(['t.cjs', 'grp', 'cmd', '--flag', 'x y']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.seen, { args: ['grp', 'cmd', '--flag', 'x y'], argv1: bundle, filename: bundle, helper: 42 });
});

test('a cache is written after a run that ended with 0, and taken (not written again) the next time', () => {
  rmSync(cacheOf('grp-cmd'), { force: true });
  assert.equal(run(['t.cjs', 'grp', 'cmd']).status, 0);
  assert.ok(whole('grp-cmd'), 'a whole cache for this bundle');
  const first = statSync(cacheOf('grp-cmd'));
  assert.equal(run(['t.cjs', 'grp', 'cmd', 'more']).status, 0);
  const second = statSync(cacheOf('grp-cmd'));
  // Written only when there was none or V8 refused it: the same file means V8 took it.
  assert.deepEqual([second.ino, second.mtimeMs], [first.ino, first.mtimeMs]);
});

test('no cache after a failing run, nor for arguments that do not name a command', () => {
  const r = run(['t.cjs', 'grp', 'failing'], 3);
  assert.equal(r.status, 3);
  assert.equal(existsSync(cacheOf('grp-failing')), false);
  assert.equal(run(['t.cjs', 'grp', '--help']).status, 0);
  assert.equal(run(['t.cjs', 'grp']).status, 0);
  assert.equal(run(['t.cjs', '../x', 'y']).status, 0);
  assert.deepEqual(
    [cacheKey(['grp', '--help']), cacheKey(['grp']), cacheKey(['../x', 'y']), cacheKey(['repo', 'create', '/x'])],
    [null, null, null, 'repo-create'],
  );
  // Node's own options name a cache of their own (V8 refuses one made with other flags).
  const flagged = cacheKey(['repo', 'create', '/x'], ['--no-turbo-inlining']);
  assert.match(flagged ?? '', /^repo-create\.[0-9a-f]{12}$/);
  assert.notEqual(flagged, cacheKey(['repo', 'create', '/x'], ['--no-warnings']));
});

test('a damaged cache, or one made for other bytes, is not given to V8 and is replaced by a whole one', () => {
  assert.equal(run(['t.cjs', 'grp', 'cmd']).status, 0);
  const good = readFileSync(cacheOf('grp-cmd'));
  const flipped = Buffer.from(good);
  flipped[flipped.length - 100] = (flipped[flipped.length - 100] ?? 0) ^ 0xff;
  const damaged: [string, Buffer][] = [
    ['garbage', Buffer.from('not a cache at all, but long enough to look like one '.repeat(4))],
    ['cut', good.subarray(0, good.length - 1000)],
    ['a flipped byte', flipped],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [what, bytes] of damaged) {
    writeFileSync(cacheOf('grp-cmd'), bytes);
    const r = run(['t.cjs', 'grp', 'cmd']);
    assert.equal(r.status, 0, `${what}: ${r.stderr}`);
    assert.equal((r.seen as { helper: number }).helper, 42, what);
    assert.ok(whole('grp-cmd'), `${what}: replaced by a whole cache`);
  }
  // The bundle changed: the cache of the old bytes is not used, the new bytes run.
  writeFileSync(cacheOf('grp-cmd'), good);
  writeFileSync(bundle, BUNDLE.replace('helper: require', 'changed: true, helper: require'));
  try {
    const r = run(['t.cjs', 'grp', 'cmd']);
    assert.equal((r.seen as { changed?: boolean }).changed, true);
    assert.ok(whole('grp-cmd'), 'remade for the new bytes');
  } finally {
    writeFileSync(bundle, BUNDLE);
  }
});

test('runs with other Node options keep a cache of their own, each taken the next time', () => {
  const withFlags = (): number | null => spawnSync('node', ['--no-turbo-inlining', join(tmp, 'run-cached.cjs'), 't.cjs', 'grp', 'flags'], { env: { ...process.env, OUT: out } }).status;
  rmSync(cacheOf('grp-flags'), { force: true });
  assert.equal(run(['t.cjs', 'grp', 'flags']).status, 0);
  assert.equal(withFlags(), 0);
  const flagged = cacheOf(cacheKey(['grp', 'flags'], ['--no-turbo-inlining']) as string);
  assert.ok(existsSync(cacheOf('grp-flags')) && existsSync(flagged), 'one cache per set of options');
  const [plain, other] = [statSync(cacheOf('grp-flags')), statSync(flagged)];
  assert.equal(run(['t.cjs', 'grp', 'flags']).status, 0);
  assert.equal(withFlags(), 0);
  // Neither was written again: V8 took each.
  assert.deepEqual([statSync(cacheOf('grp-flags')).ino, statSync(flagged).ino], [plain.ino, other.ino]);
});

test('a name that is not a bundle beside the loader is refused', () => {
  mkdirSync(join(tmp, 'sub'), { recursive: true });
  writeFileSync(join(tmp, 'sub', 'x.cjs'), BUNDLE);
  writeFileSync(join(tmp, 't.js'), BUNDLE);
  for (const name of ['sub/x.cjs', '../t.cjs', 't.js', 'missing.cjs', '']) {
    const r = run(name === '' ? [] : [name, 'grp', 'cmd']);
    assert.equal(r.status, 2, name);
    assert.match(r.stderr, /^run-cached: not a bundle beside it: /, name);
    assert.equal(r.seen, null, name);
  }
});

test('bin/distforge: repo create runs from its bundle with a cache, and does not read NODE_EXTRA_CA_CERTS', async () => {
  const dir = join(tmp, 'repo');
  makePackageSet(join(dir, 'Packages'), 3, { seed: 9 });
  const env = { NODE_EXTRA_CA_CERTS: join(tmp, 'no-such-ca.pem') };
  const created = await runCli(['repo', 'create', dir], { env });
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stderr, '');
  const current = currentGeneration();
  const source = readFileSync(join(current, 'repo-main.cjs'), 'utf8');
  // Named by the command and by Node's options (bin/distforge gives some runs options of their own).
  const caches = readdirSync(current).filter((f) => /^repo-main\.cjs\.repo-create(\.[0-9a-f]{12})?\.v8cache$/.test(f));
  assert.ok(caches.some((f) => readCodeCache(join(current, f), sha256(source))), `a whole cache beside the bundle (${caches.join(', ')})`);
  // Any other command still reads the variable (Node warns that the file is missing).
  const version = await runCli(['--version'], { env });
  assert.match(version.stderr, /extra certs/i);
});
