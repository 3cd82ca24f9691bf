/**
 * A package's pipeline to its end, over HTTP: a tag pushed upstream and synced by a maintainer is
 * built by the git service (its tasks run by a node the test drives: real RPMs from rpmbuild),
 * signed by a real sign server, released and reverted. At each step GET /git/packages/NAME says
 * whether the build is signed (and when) and released (in which releases), exactly as the builds
 * feed says it for the same build; the OpenAPI document describes the fields.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BuildPage } from '../../src/builds/index.ts';
import type { PipelineView, SyncResult } from '../../src/git/types.ts';
import type { ReleaseView } from '../../src/releases/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { PLATFORM, releaseSpec, signBuild, startReleaseRig, waitRelease, type ReleaseRig } from '../releases/support.ts';
import { makeGitRepo, runSpecBuild } from '../server/builds-support.ts';
import { pipeline, pushTag, submittedEntry } from './support.ts';

type Entry = PipelineView['pipeline'][number];
type Marks = Pick<NonNullable<Entry['build']>, 'signed' | 'signedAt' | 'released' | 'releasedIn'>;

describe(`a package's pipeline: signed and released (${TEST_DIALECT})`, () => {
  const work = mkdtempSync(join(tmpdir(), 'distforge-git-pipeline-'));
  let rig: ReleaseRig;

  before(async () => {
    rig = await startReleaseRig();
  });
  after(async () => {
    await rig?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const marksOf = (e: Entry | undefined): Marks | null => (e?.build ? { signed: e.build.signed, signedAt: e.build.signedAt, released: e.build.released, releasedIn: e.build.releasedIn } : null);

  /** The pipeline's marks of the entry for `ref`, after checking the builds feed shows the same for its build. */
  async function marks(ref: string): Promise<Marks | null> {
    const e = (await pipeline(rig.server, 'gitrel')).pipeline.find((x) => x.ref === ref);
    const m = marksOf(e);
    const feed = (await api<BuildPage>(rig.server, 'GET', '/builds?limit=50', { token: rig.server.maintainer })).body;
    const item = feed.builds.find((b) => b.id === e?.build?.id) as (BuildPage['builds'][number] & { signed: boolean; signedAt: number | null; released: boolean }) | undefined;
    assert.ok(item, 'the feed lists the build');
    assert.deepEqual({ signed: item.signed, signedAt: item.signedAt, released: item.released }, { signed: m?.signed, signedAt: m?.signedAt, released: m?.released }, 'the feed and the pipeline agree');
    return m;
  }

  test('upstream tag → build → tasks → signed → released → reverted, each step in GET /git/packages/NAME', async () => {
    const spec = releaseSpec('gitrel', '1.0', ['BuildArch: noarch']);
    const upstream = makeGitRepo(work, 'gitrel', { 'gitrel.spec': spec });
    assert.equal((await api(rig.server, 'POST', '/git/mirrors', { token: rig.server.adminToken, body: { name: 'gitrel', url: upstream.url } })).status, 201);
    const rule = { name: 'c9', tag: 'imports/c9/*', mirrors: ['gitrel'], platforms: [PLATFORM] };
    assert.equal((await api(rig.server, 'PUT', '/git/rules/c9', { token: rig.server.adminToken, body: rule })).status, 201);

    const ref = 'refs/tags/imports/c9/gitrel-1.0-1.el9';
    const commit = pushTag(upstream.url, 'imports/c9/gitrel-1.0-1.el9');
    const synced = await api<SyncResult>(rig.server, 'POST', '/git/mirrors/gitrel/sync', { token: rig.server.maintainer });
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    assert.deepEqual(synced.body.events.map((e) => [e.ref, e.rule]), [[ref, 'c9']]);

    // Submitted by the git service: not built, signed or released yet.
    const submitted = await submittedEntry(rig.server, 'gitrel', ref);
    assert.equal(submitted.commit, commit);
    assert.equal(submitted.ourRef, null, 'no autopatch: built from the mirror as it is');
    assert.deepEqual(await marks(ref), { signed: false, signedAt: null, released: false, releasedIn: [] });

    await runSpecBuild(rig.server, rig.node, submitted.buildId, { name: 'gitrel', spec, workDir: mkdtempSync(join(work, 'rpmbuild-')) });
    const built = (await pipeline(rig.server, 'gitrel')).pipeline.find((x) => x.ref === ref);
    assert.equal(built?.build?.state, 'succeeded');
    assert.deepEqual(built?.build?.tasks.map((t) => [t.kind, t.arch, t.state]), [['srpm', 'src', 'succeeded'], ['rpm', 'noarch', 'succeeded']]);
    assert.deepEqual(marksOf(built), { signed: false, signedAt: null, released: false, releasedIn: [] });

    // Signed by the sign server: when, as the feed says.
    await signBuild(rig, submitted.buildId);
    const signed = await marks(ref);
    assert.equal(signed?.signed, true);
    assert.equal(typeof signed?.signedAt, 'number');
    assert.deepEqual([signed?.released, signed?.releasedIn], [false, []]);
    const withSign = (await pipeline(rig.server, 'gitrel')).pipeline.find((x) => x.ref === ref);
    assert.ok(withSign?.build?.tasks.some((t) => t.kind === 'sign' && t.state === 'succeeded'), 'the sign task is one of the build’s tasks');

    // A plan is not a release; the committed release is.
    const plan = await api<ReleaseView>(rig.server, 'POST', '/releases', { token: rig.server.maintainer, body: { platform: PLATFORM, builds: [submitted.buildId] } });
    assert.equal(plan.status, 201, JSON.stringify(plan.body));
    assert.deepEqual((await marks(ref))?.releasedIn, []);
    const commitRes = await api<ReleaseView>(rig.server, 'POST', `/releases/${plan.body.id}/commit`, { token: rig.server.adminToken, body: {} });
    assert.equal(commitRes.status, 202, JSON.stringify(commitRes.body));
    assert.equal((await waitRelease(rig, plan.body.id)).state, 'released');
    assert.deepEqual(await marks(ref), { ...signed, released: true, releasedIn: [plan.body.id] });

    // Reverted: no longer released.
    const reverted = await api<ReleaseView>(rig.server, 'POST', `/releases/${plan.body.id}/revert`, { token: rig.server.adminToken });
    assert.equal(reverted.status, 200, JSON.stringify(reverted.body));
    assert.deepEqual(await marks(ref), { ...signed, released: false, releasedIn: [] });
  });

  test('the OpenAPI document describes the pipeline’s signed and released fields', async () => {
    const doc = (await api<{ paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: Record<string, unknown> }> }> } }> }>(rig.server, 'GET', '/openapi.json')).body;
    const schema = doc.paths['/api/v1/git/packages/{name}']?.get.responses['200']?.content['application/json']?.schema as {
      properties: { pipeline: { items: { properties: { build: { required: string[]; properties: Record<string, { type: string }> } } } } };
    };
    const build = schema.properties.pipeline.items.properties.build;
    for (const field of ['signed', 'signedAt', 'released', 'releasedIn', 'tasks']) assert.ok(build.required.includes(field), field);
    assert.equal(build.properties.releasedIn?.type, 'array');
  });
});
