/**
 * A node given several masters (`--server URL,URL,…`): its client talks to one, moves to the next
 * when that one does not answer (connection refused) or a proxy in front of it answers 502/503/504,
 * sends the request again there (an artifact upload's stream made again), keeps to the master that
 * answered, and fetches a master's download URL from the next master when the first is gone. What
 * a master refused is not tried elsewhere. Against a real master; the "second master" in front of
 * it is a plain forwarding proxy the test can stop, standing in for a master process on the same
 * database (several real masters are tested with the scale-out).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issueUserToken } from '../../src/auth/tokens.ts';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { NodeClient } from '../../src/node/client.ts';
import { NodeApiError } from '../../src/node/errors.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { runCli } from '../support/cli.ts';
import { insertBuildItem, insertQueuedTask } from '../support/queued-tasks.ts';
import { examplePlatform, startTestServer, type TestServer } from '../support/server.ts';

/** An HTTP server on 127.0.0.1: forwards to `target`, or answers `status` when given. */
async function startFront(target: string, status?: number): Promise<{ url: string; server: Server; stop: () => Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    if (status !== undefined) {
      req.resume();
      res.writeHead(status, { 'content-type': 'text/plain' }).end('upstream gone');
      return;
    }
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (back) => {
      res.writeHead(back.statusCode ?? 502, back.headers);
      back.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = (): Promise<void> => new Promise((done) => {
    server.closeAllConnections();
    server.close(() => done());
  });
  return { url, server, stop };
}

/** A URL nothing listens on (a port bound, then closed). */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((done) => s.close(() => done()));
  return `http://127.0.0.1:${port}`;
}

describe(`a node with several masters (${TEST_DIALECT})`, () => {
  let server: TestServer;
  let token: string;
  let work: string;

  before(async () => {
    server = await startTestServer({ platforms: [examplePlatform()] });
    token = (await createNodeToken(server.ctx, { name: 'multi', arches: ['x86_64', 'noarch'], maxConcurrency: 4 })).secret;
    work = mkdtempSync(join(tmpdir(), 'distforge-failover-'));
  });
  after(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('moves past a master that does not answer and one whose proxy answers 503, and stays with the one that answers', async () => {
    const dead = await deadUrl();
    const gone = await startFront(server.url, 503);
    try {
      const switches: string[] = [];
      const client = new NodeClient([dead, gone.url, server.url], token, { onSwitch: (from, to, why) => switches.push(`${from} → ${to}: ${why}`) });
      const hello = await client.hello({ arches: ['x86_64', 'noarch'], capabilities: ['build'], maxConcurrency: 4 });
      assert.equal(hello.name, 'multi');
      assert.equal(client.server, server.url);
      assert.deepEqual(switches, [
        `${dead} → ${gone.url}: POST /api/v1/node/hello: connection refused`,
        `${gone.url} → ${server.url}: POST /api/v1/node/hello: HTTP 503`,
      ]);
      assert.equal(await client.lease(), null, 'nothing queued');
      assert.equal(switches.length, 2, 'the next requests go straight to the master that answered');
    } finally {
      await gone.stop();
    }
  });

  test('an upload is sent again to the next master when its master goes away; downloads follow', async () => {
    const user = await issueUserToken(server.ctx, 'owner', 'maintainer');
    const item = await insertBuildItem(server.ctx, user.userInfo.id, 'example-el9');
    const taskId = await insertQueuedTask(server.ctx, item, 'srpm', 'src');
    const front = await startFront(server.url);
    const switches: string[] = [];
    const client = new NodeClient([front.url, server.url], token, { onSwitch: (from, to) => switches.push(`${from} → ${to}`) });
    const leased = await client.lease();
    assert.equal(leased?.id, taskId, 'leased through the first master');
    assert.equal(client.server, front.url);

    // The first master goes; the upload (a stream from disk) is made again for the next one.
    await front.stop();
    const data = Buffer.from('not really an SRPM, but bytes to store\n'.repeat(1000));
    const path = join(work, 'payload.log');
    writeFileSync(path, data);
    const sha256 = createHash('sha256').update(data).digest('hex');
    await client.uploadArtifact(taskId, { name: 'payload.log', kind: 'log', path, size: data.length, sha256 });
    assert.deepEqual(switches, [`${front.url} → ${server.url}`]);
    const stored = await server.ctx.db.kysely.selectFrom('artifacts').select(['sha256', 'size']).where('task_id', '=', taskId).where('name', '=', 'payload.log').executeTakeFirst();
    assert.deepEqual(stored, { sha256, size: data.length });

    // A download URL the gone master handed out is fetched from the master that answers.
    const dest = join(work, 'downloaded');
    const viaBoth = new NodeClient([front.url, server.url], token);
    await viaBoth.download(`${front.url}/api/v1/artifacts/${sha256}/payload.log`, dest, sha256);
    assert.deepEqual(readFileSync(dest), data);
    // A URL of no master is not redirected anywhere.
    await assert.rejects(viaBoth.download(`${await deadUrl()}/x`, dest, null), (e: unknown) => e instanceof NodeApiError && /connection refused/.test(e.message));

    // What a master refuses is its answer: not tried on another master.
    const refused = new NodeClient([server.url, await deadUrl()], token);
    await assert.rejects(refused.complete(999_999, {}), (e: unknown) => e instanceof NodeApiError && e.httpStatus === 404);
    assert.equal(refused.server, server.url);
    await client.complete(taskId, {}).catch(() => undefined);
  });

  test('when no master answers, the error names the last one tried', async () => {
    const [a, b] = [await deadUrl(), await deadUrl()];
    const client = new NodeClient([a, b], token);
    await assert.rejects(client.lease(), (e: unknown) => e instanceof NodeApiError && e.httpStatus === 0 && e.message === `POST ${b}/api/v1/node/lease: connection refused`);
  });

  test('`distforge node` and `distforge signer` take URL,URL,… and refuse a bad list', async () => {
    for (const cmd of [['node', 'run'], ['signer', '--keys', work]]) {
      for (const [server, message] of [
        ['http://127.0.0.1:1,,http://127.0.0.1:2', /^distforge: invalid server list "http:\/\/127\.0\.0\.1:1,,http:\/\/127\.0\.0\.1:2": give URL or URL,URL,… without empty entries\n$/],
        ['http://127.0.0.1:1,ftp://x', /^distforge: invalid server URL "ftp:\/\/x": must be http:\/\/ or https:\/\/\n$/],
      ] as [string, RegExp][]) {
        const r = await runCli([...cmd, '--server', server, '--token', 'df_x'], { env: {} });
        assert.equal(r.code, 1, `${cmd.join(' ')} ${server}: ${r.stderr}`);
        assert.match(r.stderr, message);
      }
    }
  });
});
