/**
 * The root cache with real dnf and real overlays: two tasks needing the same new root make it once;
 * the key follows the repositories' metadata (and the package list), not their address; roots
 * expire by age and by total size, never one a task has mounted; a node's start unmounts what a
 * killed run left mounted.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mountOverlay, mountsUnder, unmountOverlay, unmountStaleSync } from '../../src/node/buildroot/overlay.ts';
import { baseRootKey, expireRoots, RootCache, type BaseRootSpec } from '../../src/node/buildroot/root-cache.ts';
import { hostArch } from '../../src/node/host.ts';
import { claimWorkRoot } from '../../src/node/work-root.ts';
import { bootstrapRepo } from '../support/bootstrap-repo.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-root-cache-'));
let repo = '';

const spec = (install: string[]): BaseRootSpec => ({ arch: hostArch(), releasever: '9', repos: [{ id: 'bootstrap', url: `file://${repo}`, gpgcheck: false }], install, macros: {} });

before(async () => {
  repo = await bootstrapRepo();
});
after(() => {
  unmountStaleSync(work);
  rmSync(work, { recursive: true, force: true });
});

test('two tasks needing the same new root make it once; the next asks take it from the cache', async () => {
  const cache = new RootCache({ dir: join(work, 'once') });
  const log: string[] = [];
  // Either ask may be the one that makes the root (the other waits for it): both keep its output.
  const onOutput = (t: string): void => void log.push(t);
  const [a, b] = await Promise.all([cache.get('p', spec(['bash']), { onOutput }), cache.get('p', spec(['bash']), { onOutput })]);
  assert.equal(a.key, b.key);
  assert.equal(a.dir, b.dir);
  assert.equal(log.filter((l) => /Installing\s+:/.test(l)).length > 0, true, 'dnf installed the root');
  assert.deepEqual(readdirSync(join(work, 'once', 'roots')).filter((k) => /^[0-9a-f]{64}$/.test(k)), [a.key], 'one root made');
  const again = await cache.get('p', spec(['bash']), {});
  assert.equal(again.made, false);
  assert.ok(again.meta.packages.some((p) => p.nevra.startsWith('bash-')));
  assert.ok(!again.meta.packages.some((p) => p.nevra.startsWith('gcc-')), 'only what was asked for, and what it needs');
});

test("the key follows the repositories' metadata and the package list, not the repositories' address", async () => {
  const dir = join(work, 'keyrepo');
  mkdirSync(join(dir, 'repodata'), { recursive: true });
  writeFileSync(join(dir, 'repodata', 'repomd.xml'), '<repomd revision="1"/>\n');
  const at = (url: string, install = ['bash']): BaseRootSpec => ({ ...spec(install), repos: [{ id: 'r', url, gpgcheck: false }] });
  const one = await baseRootKey(at(`file://${dir}`));
  assert.equal((await baseRootKey(at(`file://${dir}/`))).key, one.key, 'another address of the same repository');
  assert.notEqual((await baseRootKey(at(`file://${dir}`, ['bash', 'gcc']))).key, one.key, 'another package list');
  writeFileSync(join(dir, 'repodata', 'repomd.xml'), '<repomd revision="2"/>\n');
  assert.notEqual((await baseRootKey(at(`file://${dir}`))).key, one.key, 'the repository changed');
  await assert.rejects(baseRootKey(at(`file://${join(work, 'nowhere')}`)), /cannot read the repository/);
});

test('roots expire by age and by total size, least recently used first; a mounted root is never removed', async () => {
  const dir = join(work, 'expiry');
  const cache = new RootCache({ dir });
  const old = await cache.get('p', spec(['bash']), {});
  const used = await cache.get('p', spec(['coreutils']), {});
  const recent = await cache.get('p', spec(['sed']), {});
  const day = 24 * 3600_000;
  const now = Date.now();
  utimesSync(join(dir, 'roots', old.key, 'meta.json'), new Date(now - 10 * day), new Date(now - 10 * day));
  utimesSync(join(dir, 'roots', used.key, 'meta.json'), new Date(now - 20 * day), new Date(now - 20 * day));
  // A task has `used` mounted: it stays, however old.
  const overlay = await mountOverlay(used.dir, join(work, 'task-mount'));
  try {
    assert.deepEqual(expireRoots({ dir, maxAgeMs: 7 * day }), [old.key]);
    assert.ok(existsSync(join(dir, 'roots', used.key)));
    // Over the size limit: the least recently used that is not mounted goes (here: none but recent).
    assert.deepEqual(expireRoots({ dir, maxAgeMs: 30 * day, maxBytes: 1 }), [recent.key]);
    assert.ok(existsSync(join(dir, 'roots', used.key)), 'still mounted, still kept');
  } finally {
    await unmountOverlay(overlay);
  }
  assert.deepEqual(expireRoots({ dir, maxAgeMs: 7 * day }), [used.key], 'unmounted, it goes too');
});

test('a node starting on a work root a killed run left unmounts its overlays before removing its task directories', async () => {
  const root = join(work, 'node-work');
  const cache = new RootCache({ dir: join(root, 'cache') });
  const base = await cache.get('p', spec(['bash']), {});
  await mountOverlay(base.dir, join(root, 'task-7-1', 'build', 'buildroot', 'root'));
  assert.equal(mountsUnder(root).length, 1);
  const claimed = claimWorkRoot(root);
  try {
    assert.deepEqual(mountsUnder(root), []);
    assert.deepEqual(claimed.removed, ['task-7-1']);
    assert.ok(existsSync(base.dir), 'the cached root stays');
  } finally {
    claimed.release();
  }
});
