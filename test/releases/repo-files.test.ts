/**
 * comps.xml and modules.yaml of a release repository, passed through: set by an admin (CLI and
 * API), published by a release that republishes the repository without packages, and read by
 * dnf (`group info`, `module list`) from the binary channel, not from its twins; bad files, an
 * unknown repository and a reader are refused with one line, nothing stored.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ReleaseView } from '../../src/releases/index.ts';
import { runCli } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';
import { dnf, libraryInBaseOS, makeBuild, PLATFORM, releaseSpec, repoArgs, repoUrl, signBuild, startReleaseRig, waitRelease, type ReleaseRig } from './support.ts';

const COMPS = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">
<comps>
  <group>
    <id>grouplib-tools</id>
    <name>Grouplib tools</name>
    <description>The library and what uses it</description>
    <default>true</default>
    <uservisible>true</uservisible>
    <packagelist>
      <packagereq type="mandatory">grouplib</packagereq>
    </packagelist>
  </group>
</comps>
`;

const MODULES = `---
document: modulemd
version: 2
data:
  name: grouplib
  stream: "1"
  version: 20261206000000
  context: 9edba152
  arch: x86_64
  summary: The grouplib module
  description: grouplib as a module stream.
  license:
    module: [MIT]
  profiles:
    common:
      rpms: [grouplib]
  artifacts:
    rpms:
      - grouplib-0:1.0-1.el9.x86_64
...
`;

describe(`comps and modules of release repositories (${TEST_DIALECT})`, () => {
  let rig: ReleaseRig;
  let build: number;
  const cli = (args: string[], token = rig.server.adminToken) => runCli(['release', ...args], { env: { DISTFORGE_URL: rig.server.url, DISTFORGE_TOKEN: token } });
  const put = (kind: string, body: string, token = rig.server.adminToken, type = 'application/xml', repo = 'BaseOS') =>
    fetch(`${rig.server.url}/api/v1/platforms/${PLATFORM}/release-repos/${repo}/${kind}`, { method: 'PUT', body, headers: { authorization: `Bearer ${token}`, 'content-type': type } });

  before(async () => {
    rig = await startReleaseRig();
    await libraryInBaseOS(rig, 'grouplib');
    build = await makeBuild(rig, 'grouplib', releaseSpec('grouplib', '1.0', [], ['debuginfo']));
    await signBuild(rig, build);
    const r = await api<ReleaseView>(rig.server, 'POST', '/releases', { token: rig.server.maintainer, body: { platform: PLATFORM, builds: [build] } });
    assert.equal((await api(rig.server, 'POST', `/releases/${r.body.id}/commit`, { token: rig.server.adminToken, body: {} })).status, 202);
    assert.equal((await waitRelease(rig, r.body.id)).state, 'released');
  });
  after(async () => {
    await rig?.close();
  });

  test('set with the CLI and the API, published by --republish, read by dnf from the binary channel', async () => {
    const file = join(rig.dir, 'comps.xml');
    writeFileSync(file, COMPS);
    const set = await cli(['repo-file', '--platform', PLATFORM, '--repo', 'BaseOS', '--groups', file]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /BaseOS of example-el9: groups set \(\d+ bytes, sha256 [0-9a-f]{12}\); publish it with: distforge release plan --platform example-el9 --republish BaseOS/);
    const modules = await put('modules', MODULES, rig.server.adminToken, 'application/yaml');
    assert.equal(modules.status, 200, await modules.text());
    const shown = await cli(['repo-file', '--platform', PLATFORM, '--repo', 'BaseOS', '--show', 'groups'], rig.server.reader);
    assert.equal(shown.stdout, COMPS);

    const planned = await cli(['plan', '--platform', PLATFORM, '--republish', 'BaseOS', '--json'], rig.server.maintainer);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout) as ReleaseView & { checks: { ok: boolean }[] };
    assert.deepEqual(plan.republish, ['BaseOS']);
    assert.ok(plan.checks.every((c) => c.ok), planned.stdout);
    const committed = await cli(['commit', String(plan.id)]);
    assert.equal(committed.code, 0, committed.stderr);
    assert.match(committed.stdout, /released \(BaseOS\/x86_64@2\)/, 'only the binary channel gets a new version');

    const work = join(rig.dir, 'dnf-groups');
    const repos = repoArgs(rig, ['BaseOS/x86_64']);
    const group = await dnf(work, [...repos, '--repo', 'rel0', 'group', 'info', 'grouplib-tools']);
    assert.equal(group.code, 0, group.output);
    assert.match(group.output, /Group: Grouplib tools/);
    assert.match(group.output, /Mandatory Packages:\s+grouplib/);
    const mods = await dnf(work, [...repos, '--repo', 'rel0', 'module', 'list']);
    assert.equal(mods.code, 0, mods.output);
    assert.match(mods.output, /grouplib\s+1\s+common\s+The grouplib module/);
    // The module lists grouplib as its artifact: dnf now hides it unless the stream is enabled.
    const hidden = await dnf(work, [...repos, '--repo', 'rel0', 'repoquery', 'grouplib']);
    assert.doesNotMatch(hidden.output, /^grouplib-0:1\.0-1\.el9\.x86_64$/m);
    const enabled = await dnf(work, [...repos, 'module', 'install', 'grouplib:1/common']);
    assert.equal(enabled.code, 0, enabled.output);
    assert.match(enabled.output, /grouplib\s+x86_64\s+1\.0-1\.el9/);
    const debugRepomd = await (await fetch(`${repoUrl(rig, 'BaseOS/x86_64/debug')}repodata/repomd.xml`)).text();
    assert.doesNotMatch(debugRepomd, /type="group"|type="modules"/, 'twins carry no comps or modules');
  });

  test('bad input: one line, nothing stored', async () => {
    const cases: [string, string, string, number, RegExp][] = [
      ['groups', '<comps><group></comps>', 'application/xml', 400, /^comps\.xml: not a valid comps file: /],
      ['groups', '<?xml version="1.0"?>\n<groups/>', 'application/xml', 400, /^comps\.xml: not a comps file: the root element is <groups>, not <comps>$/],
      ['modules', '---\nversion: 2\ndata: {}\n', 'application/yaml', 400, /^modules\.yaml: .*no "document:" type/],
      ['groups', '', 'application/xml', 400, /comps\.xml: the file is empty|body/],
      ['groups', '{"a":1}', 'application/json', 400, /send the file itself as the body/],
    ];
    for (const [kind, body, type, status, message] of cases) {
      const r = await put(kind, body, rig.server.adminToken, type, 'AppStream');
      const answer = (await r.json()) as { message: string };
      assert.equal(r.status, status, `${kind} ${JSON.stringify(body)}: ${JSON.stringify(answer)}`);
      assert.match(answer.message, message);
      assert.doesNotMatch(answer.message, /\n/);
    }
    assert.equal((await fetch(`${rig.server.url}/api/v1/platforms/${PLATFORM}/release-repos/AppStream/groups`)).status, 404, 'nothing stored');
    assert.equal((await put('groups', COMPS, rig.server.adminToken, 'application/xml', 'NoSuchRepo')).status, 404);
    assert.equal((await put('groups', COMPS, rig.server.maintainer)).status, 403);
    assert.equal((await put('sources', COMPS)).status, 400);
    const cliBad = await cli(['repo-file', '--platform', PLATFORM, '--repo', 'BaseOS', '--groups', '/nonexistent/comps.xml']);
    assert.equal(cliBad.code, 1);
    assert.match(cliBad.stderr, /^distforge: cannot read \/nonexistent\/comps\.xml: ENOENT\n$/);
    const none = await cli(['plan', '--platform', PLATFORM, '--republish', 'Nope'], rig.server.maintainer);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^distforge: platform example-el9 has no release repository Nope\n$/);
  });
});
