/**
 * Closing the master does not wait for its clients' kept-alive connections. A streamed download
 * (here from the lookaside store) read to the end by a client that keeps its connection open, as
 * dnf and Node's fetch do, once held close() for the whole keep-alive timeout (72 s).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from '../support/server.ts';

test('close() after a streamed download on a kept-alive connection ends well before the keep-alive timeout', async () => {
  const server = await startTestServer();
  let closed = false;
  try {
    const body = Buffer.from('a source file\n');
    const headers = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/octet-stream' };
    const put = await fetch(`${server.url}/api/v1/lookaside/notes.txt`, { method: 'PUT', body, headers });
    assert.equal(put.status, 201, await put.clone().text());
    const { sha256 } = (await put.json()) as { sha256: string };
    const get = await fetch(`${server.url}/api/v1/lookaside/sha256/${sha256}/notes.txt`);
    assert.equal(get.status, 200);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), body);
    // The keep-alive timeout is 72 s; a hung close shows as this race's 20 s verdict.
    const verdict = await Promise.race([
      server.close().then(() => 'closed'),
      new Promise<string>((done) => setTimeout(done, 20_000, 'still open after 20 s').unref()),
    ]);
    closed = verdict === 'closed';
    assert.equal(verdict, 'closed');
  } finally {
    if (!closed) await server.close();
  }
});
