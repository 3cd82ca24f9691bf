/**
 * Atomic publication under load: `distforge repo create --update` re-publishes a repository in a
 * loop (a package added or removed each time) while readers run concurrently over HTTP on
 * 127.0.0.1: a client that fetches repomd.xml and then every file it names (checking each file's
 * size and sha256 against repomd.xml), and real `dnf makecache` runs (librepo checks the same).
 * No reader may ever see a missing file or a checksum mismatch.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { dnfQuery } from '../support/dnf-query.ts';
import { serveDirectory, type StaticServer } from '../support/http-static.ts';
import { makePackageSet } from '../support/package-set.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-atomic-'));
const repo = join(work, 'repo');
let server: StaticServer;
const PUBLISHES = 12;

before(async () => {
  makePackageSet(join(repo, 'Packages'), 120, { seed: 5 });
  makePackageSet(join(work, 'spare'), 6, { seed: 6, prefix: 'spare' });
  const r = await runCli(['repo', 'create', repo]);
  assert.equal(r.code, 0, r.stderr);
  server = await serveDirectory(repo);
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

interface Record {
  href: string;
  checksum: string;
  size: number;
}

function records(repomd: string): Record[] {
  const out: Record[] = [];
  for (const m of repomd.matchAll(/<data type="[^"]+">([\s\S]*?)<\/data>/g)) {
    const body = m[1] ?? '';
    const href = /<location href="([^"]+)"/.exec(body)?.[1];
    const checksum = /<checksum type="sha256">([0-9a-f]+)</.exec(body)?.[1];
    const size = /<size>(\d+)</.exec(body)?.[1];
    if (href && checksum && size) out.push({ href, checksum, size: Number(size) });
  }
  return out;
}

/** One read as a client does it; returns the problems seen (empty when consistent). */
async function readOnce(seen: Set<string>): Promise<string[]> {
  const repomd = await fetch(`${server.url}/repodata/repomd.xml`);
  if (!repomd.ok) return [`repomd.xml: HTTP ${repomd.status}`];
  const recs = records(await repomd.text());
  if (recs.length < 3) return ['repomd.xml names fewer than 3 files'];
  const problems: string[] = [];
  for (const r of recs) {
    const res = await fetch(`${server.url}/${r.href}`);
    if (!res.ok) {
      problems.push(`${r.href}: HTTP ${res.status}`);
      continue;
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length !== r.size) problems.push(`${r.href}: size ${body.length}, repomd.xml says ${r.size}`);
    if (createHash('sha256').update(body).digest('hex') !== r.checksum) problems.push(`${r.href}: checksum mismatch`);
  }
  seen.add(recs.map((r) => r.checksum).join(','));
  return problems;
}

test('readers never see a mix of generations while we re-publish in a loop', async () => {
  let publishing = true;
  const problems: string[] = [];
  const generations = new Set<string>();
  let clientReads = 0;
  let dnfRuns = 0;

  const publisher = (async () => {
    try {
      for (let i = 0; i < PUBLISHES; i++) {
        // Move one spare package in or out of the repository, then re-publish.
        const name = `p${i % 6}`;
        const spare = join(work, 'spare');
        const files = (await import('node:fs')).readdirSync(spare).concat((await import('node:fs')).readdirSync(join(repo, 'Packages')));
        const file = files.find((f) => f.startsWith(`spare`) && f.includes(name)) ?? files.find((f) => f.startsWith('spare'));
        if (file) {
          const inRepo = join(repo, 'Packages', file);
          const outside = join(spare, file);
          try {
            renameSync(outside, inRepo);
          } catch {
            renameSync(inRepo, outside);
          }
        }
        const r = await runCli(['repo', 'create', '--update', repo]);
        if (r.code !== 0) problems.push(`publish ${i}: ${r.stderr}`);
      }
    } finally {
      publishing = false;
    }
  })();

  const client = (async () => {
    while (publishing) {
      problems.push(...(await readOnce(generations)));
      clientReads++;
    }
  })();

  const dnfReader = async (id: number): Promise<void> => {
    while (publishing) {
      const w = join(work, `dnf-${id}-${dnfRuns}`);
      const r = await dnfQuery(w, [{ id: 'r', url: server.url }], ['makecache']);
      if (r.code !== 0) problems.push(`dnf makecache: ${r.stderr.trim()}`);
      dnfRuns++;
      rmSync(w, { recursive: true, force: true });
    }
  };

  await Promise.all([publisher, client, dnfReader(1), dnfReader(2)]);
  assert.deepEqual(problems, []);
  assert.ok(clientReads >= PUBLISHES, `the client read ${clientReads} times`);
  assert.ok(dnfRuns >= 4, `dnf ran ${dnfRuns} times`);
  assert.ok(generations.size >= 3, `readers saw ${generations.size} generations`);
});
