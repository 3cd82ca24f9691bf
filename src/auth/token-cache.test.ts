/**
 * The node token memory, with two masters on one database (each its own context and clock): a
 * revocation through a master is refused by it at once and by the other within
 * NODE_TOKEN_MEMORY_MS; user tokens are never remembered.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabaseUrl, TEST_DIALECT } from '../../test/support/db.ts';
import { openFixture, type Fixture } from '../scheduler/test-support.ts';
import { createNodeToken, replaceNodeToken } from './nodes.ts';
import { NODE_TOKEN_MEMORY_MS } from './token-cache.ts';
import { createToken, lookupToken, revokeToken } from './tokens.ts';
import { createUser } from './users.ts';

let a: Fixture;
let b: Fixture;
before(async () => {
  const url = await freshDatabaseUrl();
  a = await openFixture(url);
  b = await openFixture(url);
});
after(async () => {
  await a.close();
  await b.close();
});

test(`a node token revoked through one master: refused there at once, by the other within ${NODE_TOKEN_MEMORY_MS} ms (${TEST_DIALECT})`, async () => {
  const issued = await createNodeToken(a.ctx, { name: 'memo-node', arches: ['x86_64'], maxConcurrency: 1 });
  assert.equal((await lookupToken(a.ctx, issued.secret))?.kind, 'node');
  assert.equal((await lookupToken(b.ctx, issued.secret))?.kind, 'node');
  await revokeToken(a.ctx, issued.token.id);
  assert.equal(await lookupToken(a.ctx, issued.secret), null, 'refused at once where it was revoked');
  b.advance(NODE_TOKEN_MEMORY_MS - 1);
  assert.equal((await lookupToken(b.ctx, issued.secret))?.kind, 'node', 'still remembered by the other master');
  b.advance(1);
  assert.equal(await lookupToken(b.ctx, issued.secret), null, 'refused once the memory is over');
});

test(`a replaced node token is refused at once by the master that replaced it (${TEST_DIALECT})`, async () => {
  const issued = await createNodeToken(b.ctx, { name: 'memo-node-2', arches: ['x86_64'], maxConcurrency: 1 });
  assert.equal((await lookupToken(b.ctx, issued.secret))?.kind, 'node');
  const fresh = await replaceNodeToken(b.ctx, 'memo-node-2');
  assert.equal(await lookupToken(b.ctx, issued.secret), null);
  assert.equal((await lookupToken(b.ctx, fresh.secret))?.kind, 'node');
});

test(`user tokens are never remembered (${TEST_DIALECT})`, async () => {
  const user = await createUser(a.ctx, 'memo-user', 'maintainer');
  const issued = await createToken(a.ctx, user);
  assert.equal((await lookupToken(b.ctx, issued.secret))?.kind, 'user');
  await revokeToken(a.ctx, issued.token.id);
  assert.equal(await lookupToken(b.ctx, issued.secret), null, 'refused by the other master at once');
});
