/**
 * The master's data directory as an operator finds it, with the real `distforge server` and `up`
 * processes: made mode 0700 with every file in it 0600 (the database and its WAL, the admin token,
 * store blobs), an existing directory with looser modes tightened and said so at start, and a busy
 * port refused with one line before anything is written (no directory, no database, no token).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildRpm } from '../../src/rpm/index.ts';
import { DISTFORGE, runCli } from '../support/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-data-dir-'));
const running = new Set<ChildProcess>();
const held = new Set<Server>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
  for (const s of held) s.close();
  rmSync(work, { recursive: true, force: true });
});
const NO_ENV = { DISTFORGE_URL: '', DISTFORGE_TOKEN: '' };
const mode = (path: string): string => `0${(statSync(path).mode & 0o777).toString(8)}`;

/** Every path below `dir` that someone other than its owner may read, write or enter, with its mode. */
function openToOthers(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => (statSync(p).mode & 0o077) !== 0)
    .map((p) => `${p} ${mode(p)}`);
}

/** `distforge server --data DATA --port 0`, until it says where it listens. */
function startServer(data: string): Promise<{ child: ChildProcess; url: string; stdout: string; exited: Promise<number | null> }> {
  const child = spawn(DISTFORGE, ['server', '--data', data, '--port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...NO_ENV } });
  running.add(child);
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => {
    running.delete(child);
    done(code);
  }));
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((done, fail) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /distforge server listening on (\S+)\n/.exec(out);
      if (m?.[1]) done({ child, url: m[1], stdout: out, exited });
    });
    void exited.then((code) => fail(new Error(`distforge server exited ${code}: ${err}`)));
  });
}

/** A port held by another program. */
function busyPort(): Promise<number> {
  const s = createServer();
  held.add(s);
  return new Promise((done) => s.listen(0, '127.0.0.1', () => done((s.address() as { port: number }).port)));
}

test('server: the data directory is 0700 and every file the master writes in it 0600', async () => {
  const data = join(work, 'fresh');
  const server = await startServer(data);
  const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
  const srpm = buildRpm({ name: 'hello', version: '1', release: '1', arch: 'src', summary: 's', description: 'd', license: 'MIT', files: [{ path: 'hello.spec', data: 'Name: hello\n' }] });
  const up = await fetch(`${server.url}/api/v1/srpms`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: srpm });
  assert.equal(up.status, 201);
  assert.equal(mode(data), '0700');
  for (const f of ['distforge.sqlite', 'distforge.sqlite-wal', 'admin.token']) assert.equal(mode(join(data, f)), '0600', f);
  assert.ok(readdirSync(join(data, 'store'), { recursive: true }).length > 0, 'a blob was stored');
  assert.deepEqual(openToOthers(data), []);
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
});

test('server: an existing data directory with looser modes is tightened, and it says so at start', async () => {
  const data = join(work, 'loose');
  const first = await startServer(data);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  // As an older version left it: everything readable by any local user.
  const blobDir = join(data, 'store', 'ab');
  mkdirSync(blobDir, { recursive: true, mode: 0o755 });
  writeFileSync(join(blobDir, 'cdef'), 'an old blob', { mode: 0o644 });
  chmodSync(join(data, 'store'), 0o755);
  chmodSync(join(data, 'distforge.sqlite'), 0o644);
  chmodSync(data, 0o755);
  const second = await startServer(data);
  const note = second.stdout.split('\n').find((l) => l.startsWith('the data directory was readable by others'));
  assert.equal(
    note,
    `the data directory was readable by others; restricted to its owner (directories 0700, files 0600): ${data} (was 0755), ${join(data, 'distforge.sqlite')} (was 0644), ${join(data, 'store')} (was 0755), ${blobDir} (was 0755), ${join(blobDir, 'cdef')} (was 0644)`,
  );
  assert.deepEqual([mode(data), mode(join(data, 'distforge.sqlite')), mode(join(blobDir, 'cdef'))], ['0700', '0600', '0600']);
  assert.deepEqual(openToOthers(data), []);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});

test('server and up on a busy port: one line naming the port, and nothing written', async () => {
  const port = await busyPort();
  for (const command of ['server', 'up']) {
    const data = join(work, `busy-${command}`);
    const r = await runCli([command, '--data', data, '--port', String(port)], { env: NO_ENV });
    assert.equal(r.code, 1, command);
    assert.equal(r.stdout, '', command);
    assert.equal(r.stderr, `distforge: cannot listen on 127.0.0.1:${port}: address already in use\n`, command);
    assert.equal(existsSync(data), false, `${command} wrote nothing`);
  }
});
