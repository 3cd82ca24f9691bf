/**
 * `distforge server` as an operator runs it: first start (admin token file, platforms from
 * --config), a client talking to it, a clean stop on SIGTERM, a second start that changes nothing,
 * and refusals (bad config, bad port, port in use) that start nothing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DISTFORGE, runCli } from '../support/cli.ts';
import { freshDatabaseUrl, TEST_DIALECT } from '../support/db.ts';
import { EXAMPLE_PLATFORM_FILE } from '../support/server.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-server-cli-'));
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
const NO_ENV = { DISTFORGE_URL: '', DISTFORGE_TOKEN: '' };

interface Started {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `distforge server ARGS` and waits for its "listening on" line (or its exit). */
function startServer(args: string[]): Promise<Started> {
  const child = spawn(DISTFORGE, ['server', '--port', '0', '--log-level', 'warn', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...NO_ENV } });
  running.add(child);
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => {
    running.delete(child);
    done(code);
  }));
  return new Promise((done, fail) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /distforge server listening on (\S+)\n/.exec(out);
      if (m?.[1]) done({ child, url: m[1], stdout: () => out, stderr: () => err, exited });
    });
    void exited.then((code) => fail(new Error(`distforge server exited ${code}: ${err}`)));
  });
}

test(`server: first start, a client, clean stop, second start (${TEST_DIALECT})`, async () => {
  const data = join(work, 'data');
  const db = await freshDatabaseUrl();
  const config = join(work, 'config.yaml');
  writeFileSync(config, `platforms:\n  - ${EXAMPLE_PLATFORM_FILE}\n`);
  const first = await startServer(['--data', data, '--db', db, '--config', config]);
  assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(first.stdout(), new RegExp(`created user admin; its token is in ${data}/admin.token\n`));
  assert.match(first.stdout(), /platform example-el9 created from /);
  const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
  const list = await runCli(['platform', 'list', '--json'], { env: { DISTFORGE_URL: first.url, DISTFORGE_TOKEN: token } });
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual((JSON.parse(list.stdout) as { name: string }[]).map((p) => p.name), ['example-el9']);
  const add = await runCli(['node', 'add', 'n1', '--arches', 'x86_64', '--server', first.url, '--token', token], { env: NO_ENV });
  assert.equal(add.code, 0, add.stderr);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  assert.match(first.stdout(), /distforge server stopping \(SIGTERM\)\ndistforge server stopped\n$/);

  const second = await startServer(['--data', data, '--db', db, '--config', config]);
  assert.doesNotMatch(second.stdout(), /created user admin/);
  assert.match(second.stdout(), /platform example-el9 updated from /);
  assert.equal(readFileSync(join(data, 'admin.token'), 'utf8').trim(), token);
  const nodes = await runCli(['node', 'list', '--json', '--server', second.url, '--token', token], { env: NO_ENV });
  assert.deepEqual((JSON.parse(nodes.stdout) as { name: string }[]).map((n) => n.name), ['n1']);

  const port = new URL(second.url).port;
  const busy = await runCli(['server', '--data', join(work, 'busy'), '--db', await freshDatabaseUrl(), '--port', port], { env: NO_ENV });
  assert.equal(busy.code, 1);
  assert.equal(busy.stderr.trimEnd().split('\n').at(-1), `distforge: cannot listen on 127.0.0.1:${port}: address already in use`);
  second.child.kill('SIGINT');
  assert.equal(await second.exited, 0);
});

test('server: a bad config file or port starts nothing', async () => {
  const bad = join(work, 'bad.yaml');
  writeFileSync(bad, 'platforms:\n  - name: p\n    arches: [x86_64]\n    distTag: .el9\n    lifecycle: {version: "9", releaseDate: 2024-13-01}\n');
  const data = join(work, 'never');
  const r = await runCli(['server', '--data', data, '--port', '0', '--config', bad], { env: NO_ENV });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `distforge: ${bad}: platforms[0].lifecycle.releaseDate: "2024-13-01" is not a date (YYYY-MM-DD)\n`);
  assert.equal(existsSync(data), false);
  const missing = await runCli(['server', '--data', data, '--config', join(work, 'nope.yaml')], { env: NO_ENV });
  assert.equal(missing.stderr, `distforge: ${join(work, 'nope.yaml')}: cannot read: no such file\n`);
  const port = await runCli(['server', '--data', data, '--port', 'http'], { env: NO_ENV });
  assert.equal(port.code, 1);
  assert.equal(port.stderr, 'distforge: --port must be a number from 0 to 65535, not "http"\n');
  assert.equal(existsSync(data), false);
});
