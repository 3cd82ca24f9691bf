/**
 * A build from submit to end with real packages: SRPMs made by rpmbuild, the fan-out reading
 * BuildArch from them (noarch built once), the library's RPMs published as the build repository
 * (read back over HTTP by the repository reader nodes use, no token needed at the keyed URL) and
 * handed to its user's lease, artifact URLs that download, uploaded SRPMs as sources, and the
 * builds loop fanning out what the completion hook did not.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { advanceBuilds, type BuildView } from '../../src/builds/index.ts';
import { openRepository } from '../../src/repo/read/index.ts';
import { completeTask } from '../../src/scheduler/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { rpmbuild } from '../support/rpmbuild.ts';
import { api } from '../support/server.ts';
import { buildSrpm, makeGitRepo, SimNode, specOf, startBuildsServer, type BuildsServer } from './builds-support.ts';

const PLATFORM = 'example-el9';

describe(`a build from submit to end (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let node: SimNode;
  const libSpec = specOf('flowlib');
  const appSpec = specOf('flowapp', ['flowlib-devel >= 1.0']);
  const docSpec = specOf('flowdoc', [], 'BuildArch: noarch\nRequires: flowapp');

  before(async () => {
    server = await startBuildsServer();
    node = await SimNode.create(server);
  });
  after(() => server.close());

  const show = async (id: number): Promise<BuildView> => (await api<BuildView>(server, 'GET', `/builds/${id}`, { token: server.reader })).body;

  test('library first, its RPMs in the build repository for the user; noarch once; artifacts download', async () => {
    const repos = [
      makeGitRepo(server.gitRoot, 'flowdoc', { 'flowdoc.spec': docSpec }),
      makeGitRepo(server.gitRoot, 'flowapp', { 'flowapp.spec': appSpec }),
      makeGitRepo(server.gitRoot, 'flowlib', { 'SPECS/flowlib.spec': libSpec }),
    ];
    const r = await api<BuildView>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: [PLATFORM], sources: repos.map((g) => ({ git: `${g.url}#main` })) } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = r.body.id;
    const srpms: Record<string, string> = {
      flowdoc: buildSrpm(server.gitRoot, 'flowdoc', docSpec),
      flowapp: buildSrpm(server.gitRoot, 'flowapp', appSpec),
      flowlib: buildSrpm(server.gitRoot, 'flowlib', libSpec),
    };
    // The node uploads each SRPM and reports no arches: the master reads BuildArch from the SRPM.
    const pkgOf = (t: { item_id: number | null }) => r.body.items.find((i) => i.id === t.item_id)?.package ?? '';
    for (const t of await node.leaseAll()) {
      await node.upload(t, [srpms[pkgOf(t)] ?? '']);
      await node.complete(t, {});
    }
    let b = await show(id);
    const rpmTasks = b.tasks.filter((t) => t.kind === 'rpm').map((t) => [t.package, t.arch, t.state]);
    assert.deepEqual(rpmTasks.sort(), [['flowapp', 'x86_64', 'blocked'], ['flowdoc', 'noarch', 'queued'], ['flowlib', 'x86_64', 'queued']]);
    assert.equal(b.repositories.length, 1);
    assert.match(b.repositories[0]?.url ?? '', new RegExp(`/api/v1/builds/${id}/repo-key/[0-9a-f]{32}/${PLATFORM}/x86_64/$`));

    // The library and the doc build; the library's RPMs are real.
    const built = rpmbuild(server.gitRoot, 'flowlib', libSpec).filter((p) => !p.endsWith('.src.rpm'));
    const docRpms = rpmbuild(server.gitRoot, 'flowdoc', docSpec).filter((p) => !p.endsWith('.src.rpm'));
    for (const t of await node.leaseAll()) {
      await node.upload(t, pkgOf(t) === 'flowlib' ? built : docRpms);
      await node.complete(t, {});
    }
    // The user's lease carries the build repository, which holds the library (and noarch doc).
    const lease = await node.lease();
    assert.ok(lease);
    assert.equal(pkgOf(lease.task), 'flowapp');
    const repoUrl = lease.leased.repositories[0] ?? '';
    assert.equal(repoUrl, b.repositories[0]?.url);
    const repo = await openRepository(repoUrl);
    const names: string[] = [];
    for await (const p of repo.packages({ other: false })) names.push(`${p.name}.${p.arch}`);
    assert.deepEqual(names.sort(), ['flowdoc-devel.noarch', 'flowdoc.noarch', 'flowlib-devel.x86_64', 'flowlib.x86_64']);
    // The plain URL needs a token for a private build; the key must be right.
    const plain = `${server.url}/api/v1/builds/${id}/repo/${PLATFORM}/x86_64/repodata/repomd.xml`;
    assert.equal((await fetch(plain)).status, 401);
    assert.equal((await fetch(plain, { headers: { authorization: `Bearer ${server.reader}` } })).status, 200);
    assert.equal((await fetch(repoUrl.replace(/repo-key\/[0-9a-f]+/, `repo-key/${'0'.repeat(32)}`) + 'repodata/repomd.xml')).status, 404);
    for (const bad of ['..%2F..%2F..%2Fdistforge.sqlite', '.distforge-manifest', 'repodata/..%2F..%2F..%2F..%2Fstore']) {
      assert.equal((await fetch(`${repoUrl}${bad}`)).status, 404, bad);
    }
    assert.equal((await fetch(repoUrl.replace('/x86_64/', '/aarch64/') + 'repodata/repomd.xml')).status, 404);

    const appRpms = rpmbuild(server.gitRoot, 'flowapp', specOf('flowapp')).filter((p) => !p.endsWith('.src.rpm'));
    await node.upload(lease.task, appRpms);
    await node.complete(lease.task, {});
    b = await show(id);
    assert.equal(b.state, 'succeeded');
    assert.ok(b.finishedAt);
    const lib = b.tasks.find((t) => t.kind === 'rpm' && t.package === 'flowlib');
    const art = lib?.artifacts.find((a) => a.name.startsWith('flowlib-devel'));
    assert.ok(art);
    assert.match(art.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/artifacts\/[0-9a-f]{64}\//);
    const res = await fetch(art.url);
    assert.equal(res.status, 200);
    const file = built.find((p) => p.endsWith(art.name)) ?? '';
    assert.equal(createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex'), createHash('sha256').update(readFileSync(file)).digest('hex'));
  });

  test('an uploaded SRPM is a source; what is not an SRPM is refused', async () => {
    const srpm = buildSrpm(join(server.gitRoot, 'up'), 'uploaded', specOf('uploaded'));
    const up = await fetch(`${server.url}/api/v1/srpms`, { method: 'POST', headers: { authorization: `Bearer ${server.maintainer}`, 'content-type': 'application/octet-stream' }, body: readFileSync(srpm) });
    assert.equal(up.status, 201);
    const { sha256, name } = (await up.json()) as { sha256: string; name: string };
    assert.equal(name, 'uploaded');
    const r = await api<BuildView>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: [PLATFORM], sources: [{ srpmSha256: sha256 }] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual([r.body.items[0]?.kind, r.body.items[0]?.package, r.body.items[0]?.srpmSha256, r.body.items[0]?.specPath], ['srpm', 'uploaded', sha256, null]);
    // The srpm task reads the SRPM's spec on the node (in the sandbox), never the master.
    const [task] = (await node.leaseAll()).filter((t) => t.build_id === r.body.id);
    assert.ok(task);
    await node.upload(task, [srpm]);
    await node.complete(task, {});
    const after = await show(r.body.id);
    assert.equal(after.items[0]?.specPath, 'uploaded.spec');
    assert.deepEqual(after.tasks.filter((t) => t.kind === 'rpm').map((t) => t.arch), ['x86_64']);

    const binary = rpmbuild(join(server.gitRoot, 'bin'), 'binpkg', specOf('binpkg')).find((p) => !p.endsWith('.src.rpm')) ?? '';
    const post = (body: Buffer, token = server.maintainer) =>
      fetch(`${server.url}/api/v1/srpms`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body });
    const bin = await post(readFileSync(binary));
    assert.equal(bin.status, 422);
    assert.match(((await bin.json()) as { message: string }).message, /binary package \(binpkg.x86_64\), not a source RPM/);
    assert.equal((await post(Buffer.from('not an rpm'))).status, 422);
    assert.equal((await post(readFileSync(srpm), server.reader)).status, 403);
  });

  test('the builds loop fans out what the completion hook did not', async () => {
    const spec = specOf('looped');
    const g = makeGitRepo(server.gitRoot, 'looped', { 'looped.spec': spec });
    const r = await api<BuildView>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: [PLATFORM], sources: [{ git: `${g.url}#main` }] } });
    const [t] = (await node.leaseAll()).filter((x) => x.build_id === r.body.id);
    assert.ok(t);
    await completeTask(server.ctx, node.id, t.id, { arches: ['x86_64', 'aarch64'] });
    const waiting = await show(r.body.id);
    assert.equal(waiting.state, 'running', 'a build whose SRPM still fans out is not over');
    assert.equal(waiting.finishedAt, null);
    await advanceBuilds(server.ctx);
    const after = await show(r.body.id);
    assert.deepEqual(after.tasks.map((x) => [x.kind, x.arch, x.state]), [['srpm', 'src', 'succeeded'], ['rpm', 'x86_64', 'queued']], 'arches outside the platform are dropped');
    const events = await api<{ kind: string; message: string }[]>(server, 'GET', `/tasks/${t.id}/events`, { token: server.reader });
    assert.ok(events.body.some((e) => e.kind === 'fan-out' && /x86_64/.test(e.message)));
  });
});
