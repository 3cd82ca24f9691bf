/**
 * A build asked for some arches only (POST /builds {arches}, `build submit --arch`): rpm tasks are
 * made for those arches of each platform (and noarch packages once, whatever was asked), the build
 * shows what was asked, a rebuild asks the same; an arch no platform builds, or a platform left
 * with none of its arches, is refused with a message naming it, and nothing is written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { advanceBuilds, type BuildView } from '../../src/builds/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { runCli } from '../support/cli.ts';
import { api } from '../support/server.ts';
import { makeGitRepo, multiArchPlatform, SimNode, specOf, startBuildsServer, type BuildsServer } from './builds-support.ts';

const MULTI = 'multi-el9';

describe(`a build for some arches only (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let node: SimNode;

  before(async () => {
    server = await startBuildsServer({ morePlatforms: [multiArchPlatform(MULTI)] });
    node = await SimNode.create(server);
  });
  after(() => server?.close());

  const submit = (body: Record<string, unknown>) => api<BuildView & { message?: string }>(server, 'POST', '/builds', { token: server.maintainer, body });
  const show = async (id: number): Promise<BuildView> => (await api<BuildView>(server, 'GET', `/builds/${id}`, { token: server.reader })).body;

  /** Leases the build's srpm task, reports `arches` for it and fans out. */
  async function fanOutAs(id: number, arches: string[]): Promise<string[]> {
    const [t] = (await node.leaseAll()).filter((x) => x.build_id === id && x.kind === 'srpm');
    assert.ok(t, `build ${id} has an srpm task to lease`);
    await node.complete(t, { arches });
    await advanceBuilds(server.ctx);
    return (await show(id)).tasks.filter((x) => x.kind === 'rpm').map((x) => x.arch).sort();
  }

  test('only the arches asked for get rpm tasks; noarch is built anyway; a rebuild asks the same', async () => {
    const g = makeGitRepo(server.gitRoot, 'archy', { 'archy.spec': specOf('archy') });
    const all = await submit({ platforms: [MULTI], sources: [{ git: `${g.url}#main` }] });
    assert.equal(all.status, 201, JSON.stringify(all.body));
    assert.equal(all.body.arches, null, 'no arches asked: every arch');
    assert.deepEqual(await fanOutAs(all.body.id, ['x86_64', 'aarch64', 'ppc64le']), ['aarch64', 'ppc64le', 'x86_64']);

    const some = await submit({ platforms: [MULTI], sources: [{ git: `${g.url}#main` }], arches: ['aarch64', 'x86_64', 'aarch64'] });
    assert.equal(some.status, 201, JSON.stringify(some.body));
    assert.deepEqual(some.body.arches, ['aarch64', 'x86_64']);
    assert.deepEqual(await fanOutAs(some.body.id, ['x86_64', 'aarch64', 'ppc64le']), ['aarch64', 'x86_64']);
    const [srpmTask] = (await show(some.body.id)).tasks.filter((x) => x.kind === 'srpm');
    const events = await api<{ kind: string; message: string }[]>(server, 'GET', `/tasks/${srpmTask?.id}/events`, { token: server.reader });
    assert.ok(events.body.some((e) => e.kind === 'fan-out' && /asked for aarch64, x86_64/.test(e.message)), JSON.stringify(events.body));

    const noarch = await submit({ platforms: [MULTI], sources: [{ git: `${g.url}#main` }], arches: ['ppc64le'] });
    assert.deepEqual(await fanOutAs(noarch.body.id, ['noarch']), ['noarch'], 'a noarch package is built whatever the arches');

    const feed = await api<{ builds: { id: number; arches: string[] | null }[] }>(server, 'GET', `/builds?limit=5`, { token: server.reader });
    assert.deepEqual(feed.body.builds.find((b) => b.id === some.body.id)?.arches, ['aarch64', 'x86_64'], 'the feed shows the arches asked for');

    const again = await api<BuildView>(server, 'POST', `/builds/${some.body.id}/rebuild`, { token: server.maintainer });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.deepEqual(again.body.arches, ['aarch64', 'x86_64']);
  });

  test('the CLI asks for arches with --arch', async () => {
    const g = makeGitRepo(server.gitRoot, 'clarch', { 'clarch.spec': specOf('clarch') });
    const env = { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: server.maintainer };
    const r = await runCli(['build', 'submit', '--platform', MULTI, '--git', `${g.url}#main`, '--arch', 'ppc64le', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as BuildView).arches, ['ppc64le']);
    const bad = await runCli(['build', 'submit', '--platform', MULTI, '--git', `${g.url}#main`, '--arch', 's390x'], { env });
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /^distforge: arches: "s390x" is not a build arch of multi-el9 \(they build x86_64, aarch64, ppc64le\)/);
  });

  test('build list filters as the feed does, and refuses what makes no sense', async () => {
    const env = { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: server.reader };
    const json = async (args: string[]): Promise<number[]> => {
      const r = await runCli(['build', 'list', ...args, '--json'], { env });
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { builds: { id: number }[] }).builds.map((b) => b.id);
    };
    const all = await json([]);
    assert.ok(all.length >= 4, 'the builds of the tests before');
    const clarch = await json(['--package', 'clarch']);
    assert.equal(clarch.length, 1);
    assert.deepEqual(await json(['--search', String(clarch[0])]), clarch, 'a build id found by the search');
    assert.deepEqual(await json(['--package', 'clarch', '--platform', 'example-el9']), []);
    assert.deepEqual(await json(['--owner', 'maint', '--limit', '2']), all.slice(0, 2));
    assert.deepEqual(await json(['--before', String(all[1]), '--limit', '500']), all.slice(2));
    assert.deepEqual(await json(['--unsigned']), all, 'nothing was signed');
    assert.deepEqual(await json(['--released']), []);
    const text = await runCli(['build', 'list', '--limit', '1'], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^ID +STATE +OWNER +PLATFORMS +CREATED\n${all[0]} `));
    assert.equal(text.stderr, `older builds: add --before ${all[0]}\n`);
    for (const [args, message] of [
      [['--signed', '--unsigned'], /^distforge: give --signed or --unsigned, not both\n$/],
      [['--released', '--unreleased'], /^distforge: give --released or --unreleased, not both\n$/],
      [['--limit', '0'], /^distforge: .*limit/],
      [['--state', 'done'], /^distforge: .*state/],
      [['--before', 'x'], /^distforge: .*before/],
    ] as [string[], RegExp][]) {
      const r = await runCli(['build', 'list', ...args], { env });
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  test('arches no platform builds, or that leave a platform nothing, are refused and nothing is written', async () => {
    const g = makeGitRepo(server.gitRoot, 'refused', { 'refused.spec': specOf('refused') });
    const sources = [{ git: `${g.url}#main` }];
    const before = (await api<{ total: number }>(server, 'GET', '/builds', { token: server.reader })).body.total;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ platforms: [MULTI], sources, arches: ['s390x'] }, /^arches: "s390x" is not a build arch of multi-el9 \(they build x86_64, aarch64, ppc64le\)/],
      [{ platforms: [MULTI], sources, arches: ['noarch'] }, /^arches: "noarch" is not a build arch of multi-el9 .*noarch packages are built whatever the arches/],
      [{ platforms: [MULTI, 'example-el9'], sources, arches: ['aarch64'] }, /^arches: platform example-el9 builds none of aarch64 \(it builds x86_64\)/],
      [{ platforms: [MULTI], sources, arches: [] }, /arches/],
      [{ platforms: [MULTI], sources, arches: 'x86_64' }, /arches/],
      [{ platforms: [MULTI], sources, arches: ['x86 64'] }, /arches/],
    ];
    for (const [body, message] of cases) {
      const r = await submit(body);
      assert.equal(r.status, 400, `${JSON.stringify(body.arches)}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.message ?? '', message);
    }
    assert.equal((await api<{ total: number }>(server, 'GET', '/builds', { token: server.reader })).body.total, before, 'no build was written');
  });
});
