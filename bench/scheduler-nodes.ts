/**
 * The simulated nodes of bench/scheduler, in their own process: each node loops lease → complete
 * against the master it was given (the nodes are spread over the masters' URLs), as a real node
 * asks: `POST /api/v1/node/lease?wait=S` with its token, then `POST /node/tasks/ID/complete`.
 * Lean, so that the load generator's CPU does not hide the master's on a small machine: node:http
 * with a keep-alive agent (one connection per node), the lease answer parsed as JSON, nothing else.
 * With WAIT=0 nodes poll every POLL ms (± 50 %) instead of waiting.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export type ToNodes = { type: 'start'; urls: string[]; tokens: string[]; pollMs: number; waitS: number } | { type: 'go' } | { type: 'pause' };
export type FromNodes = { type: 'ready' } | { type: 'paused'; leaseRtt: number[]; errors: number; problems: string[]; cpuMs: number };

const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

interface Answer {
  status: number;
  body: string;
}

/** One POST; the answer's body as text. Rejects when `signal` aborts. */
function post(base: string, path: string, headers: Record<string, string>, body: string | null, signal: AbortSignal): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, base);
    const req = request({ agent, host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: 'POST', headers, signal }, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

async function runNodes(): Promise<void> {
  let urls: string[] = [];
  let tokens: string[] = [];
  let pollMs = 100;
  let waitS = 0;
  let running = false;
  let loops: Promise<void>[] = [];
  let leaseRtt: number[] = [];
  let errors = 0;
  let problems: string[] = [];
  let cpuStart = process.cpuUsage();
  let stop = new AbortController();
  const send = (m: FromNodes): void => {
    process.send?.(m);
  };

  const problem = (what: string): void => {
    errors++;
    if (problems.length >= 10) return;
    problems.push(what);
    process.stderr.write(`  a node's request failed: ${what}\n`);
  };
  const leaseLoop = async (base: string, token: string): Promise<void> => {
    const auth = { authorization: `Bearer ${token}`, 'content-length': '0' };
    const completion = { authorization: auth.authorization, 'content-type': 'application/json', 'content-length': '15' };
    const leasePath = `/api/v1/node/lease?wait=${waitS}`;
    while (running) {
      const t0 = performance.now();
      const leased = await post(base, leasePath, auth, null, stop.signal);
      if (leased.status === 204) {
        // Polling: jitter, as real nodes should (polls in step arrive in herds). Waiting: ask again.
        if (waitS === 0) await sleep(pollMs * (0.5 + Math.random()));
        continue;
      }
      if (leased.status !== 200) {
        problem(`lease: ${leased.status} ${leased.body.slice(0, 200)}`);
        continue;
      }
      const { task } = JSON.parse(leased.body) as { task: { id: number } };
      leaseRtt.push(performance.now() - t0);
      const done = await post(base, `/api/v1/node/tasks/${task.id}/complete`, completion, '{"result":null}', stop.signal);
      if (done.status !== 204) problem(`complete ${task.id}: ${done.status} ${done.body.slice(0, 200)}`);
    }
  };
  const loop = async (base: string, token: string): Promise<void> => {
    while (running) {
      try {
        await leaseLoop(base, token);
      } catch (e) {
        if (stop.signal.aborted) return;
        // A connection that failed: noted, and the node asks again (a task it may have been
        // leased meanwhile stays leased until the lease expires, as with a real node).
        problem(`${(e as Error).message}`);
        await sleep(100);
      }
    }
  };

  process.on('message', (m: ToNodes) => {
    if (m.type === 'start') {
      ({ urls, tokens, pollMs, waitS } = m);
      send({ type: 'ready' });
    } else if (m.type === 'go') {
      cpuStart = process.cpuUsage();
      stop = new AbortController();
      running = true;
      loops = tokens.map((t, i) => loop(urls[i % urls.length] ?? '', t));
    } else {
      running = false;
      // Nodes waiting for work hang up (the master sees them go and leases them nothing).
      stop.abort();
      void Promise.all(loops).then(() => {
        const cpu = process.cpuUsage(cpuStart);
        send({ type: 'paused', leaseRtt, errors, problems, cpuMs: (cpu.user + cpu.system) / 1000 });
        leaseRtt = [];
        errors = 0;
        problems = [];
      });
    }
  });
}

await runNodes();
