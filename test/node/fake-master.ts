/**
 * A stand-in for the master's node API on 127.0.0.1, for the node agent's tests: it hands out the
 * tasks it is given (`/lease`), records everything the node sends (hello, heartbeats, log chunks,
 * artifacts with the sha256 it recomputes, completion, failure, refusal) and serves uploaded
 * artifacts back (`/api/v1/artifacts/SHA256/NAME`, no token), as the real master does. The real
 * master is tested with the real node elsewhere; this checks the node's side of the contract.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import type { LeasedTask, RemoteArtifact } from '../../src/node/types.ts';

export interface Upload {
  name: string;
  kind: string;
  sha256: string;
  /** The sha256 the node claimed. */
  claimed: string;
  data: Buffer;
}

export interface TaskRecord {
  heartbeats: number;
  logs: { seq: number; text: string }[];
  uploads: Upload[];
  completed?: Record<string, unknown>;
  failed?: string;
  refused?: string;
}

export interface FakeMaster {
  url: string;
  hellos: unknown[];
  /** Queues a task (id, leaseExpiresAt … filled in). */
  push(task: Omit<LeasedTask, 'leaseExpiresAt' | 'attempt' | 'buildId'> & { leaseMs?: number }): void;
  record(taskId: number): TaskRecord;
  /** Makes a file downloadable like an artifact; returns its description. */
  addBlob(path: string, kind: string): RemoteArtifact;
  /** Answers 409 to this task's heartbeats from now on. */
  revokeLease(taskId: number): void;
  /** Resolves when the task has completed, failed or been refused. */
  settled(taskId: number): Promise<TaskRecord>;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve(Buffer.concat(parts))).on('error', reject);
  });
}

export async function startFakeMaster(token: string): Promise<FakeMaster> {
  const queue: LeasedTask[] = [];
  const records = new Map<number, TaskRecord>();
  const blobs = new Map<string, Buffer>();
  const revoked = new Set<number>();
  const hellos: unknown[] = [];
  const waiters = new Map<number, ((r: TaskRecord) => void)[]>();
  let url = '';

  const record = (id: number): TaskRecord => {
    let r = records.get(id);
    if (!r) records.set(id, (r = { heartbeats: 0, logs: [], uploads: [] }));
    return r;
  };
  const settle = (id: number): void => {
    for (const w of waiters.get(id) ?? []) w(record(id));
    waiters.delete(id);
  };
  const json = (res: ServerResponse, status: number, value?: unknown): void => {
    if (value === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', url);
    const blob = /^\/api\/v1\/artifacts\/([0-9a-f]{64})\/[^/]+$/.exec(u.pathname);
    if (req.method === 'GET' && blob?.[1] !== undefined) {
      const data = blobs.get(blob[1]);
      if (!data) return json(res, 404, { code: 'not_found', message: 'no such artifact' });
      res.writeHead(200, { 'content-length': data.length }).end(data);
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) return json(res, 401, { code: 'unauthorized', message: 'unknown or revoked token' });
    const data = await body(req);
    if (req.method === 'POST' && u.pathname === '/api/v1/node/hello') {
      const hello = JSON.parse(data.toString('utf8')) as { arches: string[]; capabilities: string[] };
      hellos.push(hello);
      return json(res, 200, { nodeId: 7, name: 'test-node', arches: hello.arches, capabilities: hello.capabilities, notGranted: { arches: [], capabilities: [] } });
    }
    if (req.method === 'POST' && u.pathname === '/api/v1/node/lease') {
      const task = queue.shift();
      return task ? json(res, 200, { task }) : json(res, 204);
    }
    const m = /^\/api\/v1\/node\/tasks\/(\d+)\/([a-z]+)(?:\/(.+))?$/.exec(u.pathname);
    if (!m) return json(res, 404, { code: 'not_found', message: `no such endpoint: ${req.method ?? ''} ${u.pathname}` });
    const id = Number(m[1]);
    const r = record(id);
    if (revoked.has(id)) return json(res, 409, { code: 'lease_lost', message: 'not your lease' });
    switch (m[2]) {
      case 'heartbeat':
        r.heartbeats++;
        return json(res, 200, { leaseExpiresAt: Date.now() + 60_000 });
      case 'log':
        r.logs.push({ seq: Number(u.searchParams.get('seq')), text: data.toString('utf8') });
        return json(res, 204);
      case 'artifacts': {
        const sha256 = createHash('sha256').update(data).digest('hex');
        const claimed = u.searchParams.get('sha256') ?? '';
        if (sha256 !== claimed) return json(res, 400, { code: 'checksum', message: 'sha256 mismatch' });
        blobs.set(sha256, data);
        r.uploads.push({ name: decodeURIComponent(m[3] ?? ''), kind: u.searchParams.get('kind') ?? '', sha256, claimed, data });
        return json(res, 200, { sha256 });
      }
      case 'complete':
        r.completed = (JSON.parse(data.toString('utf8')) as { result: Record<string, unknown> }).result;
        settle(id);
        return json(res, 200, {});
      case 'fail':
        r.failed = (JSON.parse(data.toString('utf8')) as { reason: string }).reason;
        settle(id);
        return json(res, 200, {});
      case 'refuse':
        r.refused = (JSON.parse(data.toString('utf8')) as { reason: string }).reason;
        settle(id);
        return json(res, 200, {});
      default:
        return json(res, 404, { code: 'not_found', message: 'no such endpoint' });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => json(res, 500, { code: 'internal', message: String(e) }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hellos,
    push(t) {
      queue.push({ ...t, buildId: 1, attempt: 1, leaseExpiresAt: Date.now() + (t.leaseMs ?? 60_000) });
    },
    record,
    addBlob(path, kind) {
      const data = readFileSync(path);
      const sha256 = createHash('sha256').update(data).digest('hex');
      blobs.set(sha256, data);
      return { name: basename(path), kind, sha256, url: `${url}/api/v1/artifacts/${sha256}/${encodeURIComponent(basename(path))}` };
    },
    revokeLease(id) {
      revoked.add(id);
    },
    settled(id) {
      const r = record(id);
      if (r.completed || r.failed !== undefined || r.refused !== undefined) return Promise.resolve(r);
      return new Promise((resolve) => waiters.set(id, [...(waiters.get(id) ?? []), resolve]));
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
