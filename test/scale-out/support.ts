/**
 * What the multi-master tests share: real `distforge server` processes on one PostgreSQL database
 * and one artifact store directory (`--store`; everything else in each master's data directory its
 * own), killed with SIGKILL and started again on the same port; and two
 * proxies that stop a conversation at a chosen point, so a master dies exactly there: an HTTP one
 * holding a request whose path matches (a signer's completion), and a TCP one holding every new
 * connection (a git upstream a master is syncing from).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createConnection, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { DISTFORGE } from '../support/cli.ts';
import { until } from '../releases/support.ts';

export { until };

export interface MasterOptions {
  name: string;
  /** The master's own data directory. */
  dataDir: string;
  /** The artifact store every master shares: a directory, or s3://BUCKET/PREFIX. */
  store: string;
  /** More `distforge server` arguments (the S3 endpoint) and environment (its credentials). */
  storeArgs?: string[];
  storeEnv?: NodeJS.ProcessEnv;
  dbUrl: string;
  configFile: string;
  platformRepos: string;
  leaseSeconds: number;
}

/** A `distforge server` process. */
export class Master {
  child: ChildProcess | null = null;
  url = '';
  port = 0;
  #out = '';

  constructor(readonly o: MasterOptions) {}

  get name(): string {
    return this.o.name;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** Whether its process runs. */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What it printed (standard output and error), the end of it. */
  output(chars = 4000): string {
    return this.#out.slice(-chars);
  }

  /** Starts it (again on the same port after the first start); resolves once it listens. */
  async start(): Promise<void> {
    const { o } = this;
    const args = ['server', '--data', o.dataDir, '--db', o.dbUrl, '--store', o.store, '--port', String(this.port), '--config', o.configFile, '--platform-repos', o.platformRepos, '--lease-seconds', String(o.leaseSeconds), '--log-level', 'info', ...(o.storeArgs ?? [])];
    const child = spawn(DISTFORGE, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.storeEnv } });
    this.child = child;
    const mark = this.#out.length;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.#out += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.#out += d));
    const url = await until(`master ${o.name} to listen`, async () => (child.exitCode !== null ? 'exited' : /listening on (http:\/\/\S+)/.exec(this.#out.slice(mark))?.[1]), 90_000);
    if (url === 'exited') throw new Error(`master ${o.name} exited: ${this.output()}`);
    this.url = url;
    this.port = Number(new URL(url).port);
  }

  /** kill -9, and waits for the process to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }
}

/** Listens on 127.0.0.1 at a free port; returns it. */
function listen(server: HttpServer | TcpServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/**
 * An HTTP proxy to a master. Armed with a pattern, it holds the first request whose method and
 * path match (it never reaches the master) until {@link dropHeld} closes its connection, as a
 * master dying under it would.
 */
export class HoldingHttpProxy {
  url = '';
  #server: HttpServer;
  #pattern: RegExp | null = null;
  #held: IncomingMessage | null = null;
  #onHeld: (() => void) | null = null;

  constructor(public target: string) {
    this.#server = createHttpServer((req, res) => this.#handle(req, res));
  }

  async start(): Promise<void> {
    this.url = `http://127.0.0.1:${await listen(this.#server)}`;
  }

  /** Holds the next request matching `pattern` (`POST /api/v1/node/tasks/7/complete`); resolves once one is held. */
  arm(pattern: RegExp): Promise<void> {
    this.#pattern = pattern;
    return new Promise((resolve) => (this.#onHeld = resolve));
  }

  /** Closes the held request's connection. */
  dropHeld(): void {
    this.#held?.socket.destroy();
    this.#held = null;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.#pattern?.test(`${req.method ?? ''} ${req.url ?? ''}`)) {
      this.#pattern = null;
      this.#held = req;
      this.#onHeld?.();
      return;
    }
    const to = new URL(req.url ?? '/', this.target);
    const out = httpRequest({ host: to.hostname, port: to.port, path: `${to.pathname}${to.search}`, method: req.method, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => req.socket.destroy());
    req.pipe(out);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }
}

/** A TCP proxy; while armed it accepts connections and holds them (nothing forwarded) until released. */
export class HoldingTcpProxy {
  port = 0;
  #server: TcpServer;
  #armed = false;
  #held: Socket[] = [];
  #open = new Set<Socket>();
  #onHeld: (() => void) | null = null;

  constructor(readonly targetPort: number) {
    this.#server = createTcpServer((sock) => this.#accept(sock));
  }

  async start(): Promise<void> {
    this.port = await listen(this.#server);
  }

  /** Holds every new connection from now on; resolves once one is held. */
  arm(): Promise<void> {
    this.#armed = true;
    return new Promise((resolve) => (this.#onHeld = resolve));
  }

  /** Forwards new connections again and closes the held ones. */
  release(): void {
    this.#armed = false;
    for (const s of this.#held) s.destroy();
    this.#held = [];
  }

  #accept(sock: Socket): void {
    this.#open.add(sock);
    sock.on('close', () => this.#open.delete(sock));
    sock.on('error', () => undefined);
    if (this.#armed) {
      this.#held.push(sock);
      this.#onHeld?.();
      return;
    }
    const up = createConnection({ host: '127.0.0.1', port: this.targetPort });
    this.#open.add(up);
    // Either side gone takes the other with it: an upstream connection left open would keep the
    // git daemon's child serving it, and this process, alive after the test.
    up.on('close', () => {
      this.#open.delete(up);
      sock.destroy();
    });
    up.on('error', () => sock.destroy());
    sock.on('close', () => up.destroy());
    sock.on('error', () => up.destroy());
    sock.pipe(up).pipe(sock);
  }

  /** Stops listening and closes every connection, held or forwarded (both ends). */
  close(): Promise<void> {
    for (const s of this.#open) s.destroy();
    return new Promise((r) => this.#server.close(() => r()));
  }
}

/** `git daemon` serving the repositories under `root` at git://127.0.0.1:PORT/NAME. */
export async function gitDaemon(root: string): Promise<{ port: number; stop(): Promise<void> }> {
  const probe = createTcpServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  const child = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${root}`, '--listen=127.0.0.1', `--port=${port}`, root], { stdio: 'ignore' });
  await until('git daemon to listen', () => new Promise<boolean>((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port }, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  }), 20_000);
  return {
    port,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
