/**
 * The node's HTTP client for the master's node API (`/api/v1/node/…`). Every request carries
 * `Authorization: Bearer TOKEN`; artifact downloads (absolute URLs the master hands out) carry it
 * only when they go to the master itself.
 *
 * | call | request |
 * |---|---|
 * | hello | POST /api/v1/node/hello {arches, capabilities, maxConcurrency} → {nodeId, name, arches, capabilities, notGranted} |
 * | lease | POST /api/v1/node/lease → 200 {task} or 204 |
 * | keys (signers) | POST /api/v1/node/keys {keys: [armored public key]} |
 * | packageHeads (signers) | GET /api/v1/node/tasks/:id/package-heads?from=N → {packages: [{name, kind, sha256, head}], next} |
 * | sendSignatures (signers) | POST /api/v1/node/tasks/:id/signatures {keyid, packages: [{name, signatureHeader}], complete, log?: {seq, text}} |
 * | heartbeat | POST /api/v1/node/tasks/:id/heartbeat (409: lease lost) |
 * | appendLog | POST /api/v1/node/tasks/:id/log?seq=N, text/plain |
 * | uploadArtifact | PUT /api/v1/node/tasks/:id/artifacts/:name?kind=K&sha256=HEX, streamed from disk |
 * | complete / fail / refuse | POST /api/v1/node/tasks/:id/complete {result} · /fail {reason} · /refuse {reason} |
 *
 * A 409 on any task call is a {@link LeaseLostError}; other error answers are
 * {@link NodeApiError}s carrying the master's `{code, message}`.
 *
 * Several masters (stateless, on one database): the client talks to one at a time and moves to
 * the next when that one does not answer (connection refused or reset, host not found, timed out)
 * or answers 502/503/504, trying the request again there; every request goes to the master that
 * last answered. A download from a master's URL that fails the same way is fetched from the next
 * master under the same path. What a master refused (4xx, 500) is not tried elsewhere.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isTokenText } from '../auth/secrets.ts';
import { UsageError } from '../errors.ts';
import { DownloadChecksumError, LeaseLostError, NodeApiError } from './errors.ts';
import type { LeasedTask, TaskArtifact } from './types.ts';

export interface HelloRequest {
  arches: string[];
  capabilities: string[];
  maxConcurrency: number;
}

export interface HelloResponse {
  nodeId: number;
  name: string;
  /** What the node serves: the arches and capabilities it advertised that an admin granted
   * (absent from masters that did not tell granted and advertised apart). */
  arches?: string[];
  capabilities?: string[];
  /** What it advertised that no admin granted (the master ignores it). */
  notGranted?: { arches: string[]; capabilities: string[] };
}

/** Why a request got no answer: `connection refused`, `timed out`, … (fetch says only "fetch failed"). */
export function networkReason(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  const code = err.cause?.code;
  const known: Record<string, string> = { ECONNREFUSED: 'connection refused', ENOTFOUND: 'host not found', ECONNRESET: 'connection reset', EHOSTUNREACH: 'host unreachable' };
  if (code !== undefined) return known[code] ?? code;
  return err.cause?.message ?? err.message ?? String(e);
}

/** `fetch`'s request options plus the streaming-body flag Node needs. */
type StreamingInit = RequestInit & { duplex?: 'half' };

/** Answers of a proxy or load balancer whose master is gone: another master may answer. */
const GATEWAY_ERRORS = new Set([502, 503, 504]);

export interface NodeClientOptions {
  timeoutMs?: number;
  /** Told when the client moves to another master, and why. */
  onSwitch?: (from: string, to: string, reason: string) => void;
}

export class NodeClient {
  /** The masters' base URLs, in the order given. */
  readonly servers: readonly string[];
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #onSwitch: NodeClientOptions['onSwitch'];
  #current = 0;

  /**
   * `server`: the master's base URL (`http://master:8080`), or several masters' on one database;
   * `token`: this node's token.
   * @throws UsageError (without the token) when `token` has characters no token has, or no master is given.
   */
  constructor(server: string | readonly string[], token: string, options: NodeClientOptions = {}) {
    if (!isTokenText(token)) throw new UsageError('the node token has a line break, space or other character no distforge token has; it is not shown here');
    const servers = (typeof server === 'string' ? [server] : server).map((s) => s.replace(/\/+$/, ''));
    if (servers.length === 0) throw new UsageError('no master URL given');
    this.servers = [...new Set(servers)];
    this.#token = token;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#onSwitch = options.onSwitch;
  }

  /** The master requests go to now. */
  get server(): string {
    return this.servers[this.#current] ?? '';
  }

  /** Moves to the next master after `failed` did not answer (unless another call moved already). */
  #switchFrom(failed: number, reason: string): void {
    if (this.servers.length < 2 || this.#current !== failed) return;
    this.#current = (failed + 1) % this.servers.length;
    this.#onSwitch?.(this.servers[failed] ?? '', this.server, reason);
  }

  /**
   * Sends the request to the current master, and to each other one in turn while they do not
   * answer. `init` is a function when its body is a stream (made again for each master).
   */
  async #request(method: string, path: string, init: StreamingInit | (() => StreamingInit) = {}, taskId?: number): Promise<Response> {
    for (let tries = 1; ; tries++) {
      const at = this.#current;
      const options = typeof init === 'function' ? init() : init;
      const url = `${this.servers[at] ?? ''}${path}`;
      let res: Response | undefined;
      let failure: string;
      try {
        res = await fetch(url, {
          ...options,
          method,
          headers: { authorization: `Bearer ${this.#token}`, ...(options.headers as Record<string, string> | undefined) },
          signal: options.signal ?? AbortSignal.timeout(this.#timeoutMs),
        });
        if (!GATEWAY_ERRORS.has(res.status)) return this.#checked(res, method, path, taskId);
        failure = `HTTP ${res.status}`;
      } catch (e) {
        failure = networkReason(e);
        if (tries >= this.servers.length || options.signal?.aborted) {
          // A request given its own signal (a long lease poll) is not tried again, but the next goes elsewhere.
          if (options.signal?.aborted && failure === 'timed out') this.#switchFrom(at, `${method} ${path}: ${failure}`);
          throw new NodeApiError(0, `${method} ${url}: ${failure}`, { cause: e });
        }
      }
      this.#switchFrom(at, `${method} ${path}: ${failure}`);
      if (res !== undefined && tries >= this.servers.length) return this.#checked(res, method, path, taskId);
      await res?.body?.cancel();
    }
  }

  /** `res` when it is a success; else the error it stands for. */
  async #checked(res: Response, method: string, path: string, taskId?: number): Promise<Response> {
    if (res.status === 409 && taskId !== undefined) {
      await res.body?.cancel();
      throw new LeaseLostError(taskId);
    }
    if (res.status >= 400) {
      const text = await res.text();
      let detail = text.slice(0, 500);
      let masterMessage: string | undefined;
      try {
        const body = JSON.parse(text) as { code?: unknown; message?: unknown };
        if (typeof body.message === 'string') {
          masterMessage = body.message;
          detail = `${typeof body.code === 'string' ? `${body.code}: ` : ''}${body.message}`;
        }
      } catch {
        // not JSON: keep the text
      }
      throw new NodeApiError(res.status, `${method} ${path}: HTTP ${res.status}${detail ? ` ${detail}` : ''}`, masterMessage === undefined ? {} : { masterMessage });
    }
    return res;
  }

  async #json(method: string, path: string, body: unknown, taskId?: number): Promise<Response> {
    return this.#request(method, path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }, taskId);
  }

  async hello(req: HelloRequest): Promise<HelloResponse> {
    const res = await this.#json('POST', '/api/v1/node/hello', req);
    return (await res.json()) as HelloResponse;
  }

  /** The next task for this node, or null when there is none; with `waitSeconds` the master holds
   * the request until a task is queued or that time is up (`signal` gives up waiting). */
  async lease(waitSeconds = 0, signal?: AbortSignal): Promise<LeasedTask | null> {
    const path = waitSeconds > 0 ? `/api/v1/node/lease?wait=${waitSeconds}` : '/api/v1/node/lease';
    // One controller per request (AbortSignal.any would leave a listener on `signal` each time).
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ctl.abort(new DOMException('the master did not answer in time', 'TimeoutError')), this.#timeoutMs + waitSeconds * 1000);
    try {
      const res = await this.#request('POST', path, { signal: ctl.signal });
      if (res.status === 204) return null;
      const body = (await res.json()) as { task?: LeasedTask };
      return body.task ?? null;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A signer registers the public keys it holds (POST /api/v1/node/keys). */
  async registerKeys(armoredPublicKeys: string[]): Promise<{ keyid: string; fingerprint: string; algorithm: string }[]> {
    const res = await this.#json('POST', '/api/v1/node/keys', { keys: armoredPublicKeys });
    return ((await res.json()) as { keys: { keyid: string; fingerprint: string; algorithm: string }[] }).keys;
  }

  /** A signer: the heads of a sign task's packages (base64), from the `from`th on; `next`: where the next page starts. */
  async packageHeads(taskId: number, from = 0): Promise<{ packages: { name: string; kind: string; sha256: string; head: string }[]; next: number | null }> {
    const res = await this.#request('GET', `/api/v1/node/tasks/${taskId}/package-heads?from=${from}`, {}, taskId);
    return (await res.json()) as { packages: { name: string; kind: string; sha256: string; head: string }[]; next: number | null };
  }

  /** A signer: the new signature headers (base64) of packages of a sign task; with `complete`, the task completes too. */
  async sendSignatures(taskId: number, body: { keyid: string; packages: { name: string; signatureHeader: string }[]; complete: boolean; log?: { seq: number; text: string } }): Promise<{ packages: { name: string; sha256: string; size: number }[]; completed: boolean }> {
    const res = await this.#json('POST', `/api/v1/node/tasks/${taskId}/signatures`, body, taskId);
    return (await res.json()) as { packages: { name: string; sha256: string; size: number }[]; completed: boolean };
  }

  async heartbeat(taskId: number): Promise<void> {
    const res = await this.#request('POST', `/api/v1/node/tasks/${taskId}/heartbeat`, {}, taskId);
    await res.body?.cancel();
  }

  async appendLog(taskId: number, seq: number, text: string): Promise<void> {
    const res = await this.#request('POST', `/api/v1/node/tasks/${taskId}/log?seq=${seq}`, { body: text, headers: { 'content-type': 'text/plain; charset=utf-8' } }, taskId);
    await res.body?.cancel();
  }

  /** Uploads one artifact, streamed from disk, with its sha256. */
  async uploadArtifact(taskId: number, a: TaskArtifact): Promise<void> {
    const q = new URLSearchParams({ kind: a.kind, sha256: a.sha256 });
    const res = await this.#request(
      'PUT',
      `/api/v1/node/tasks/${taskId}/artifacts/${encodeURIComponent(a.name)}?${q}`,
      () => ({
        body: a.data ?? (Readable.toWeb(createReadStream(a.path)) as ReadableStream<Uint8Array>),
        ...(a.data === undefined && { duplex: 'half' as const }),
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(a.size) },
        signal: AbortSignal.timeout(30 * 60_000),
      }),
      taskId,
    );
    await res.body?.cancel();
  }

  async complete(taskId: number, result: Record<string, unknown>): Promise<void> {
    const res = await this.#json('POST', `/api/v1/node/tasks/${taskId}/complete`, { result }, taskId);
    await res.body?.cancel();
  }

  async fail(taskId: number, reason: string, result?: Record<string, unknown>): Promise<void> {
    const res = await this.#json('POST', `/api/v1/node/tasks/${taskId}/fail`, result === undefined ? { reason } : { reason, result }, taskId);
    await res.body?.cancel();
  }

  async refuse(taskId: number, reason: string): Promise<void> {
    const res = await this.#json('POST', `/api/v1/node/tasks/${taskId}/refuse`, { reason }, taskId);
    await res.body?.cancel();
  }

  /**
   * Downloads `url` to `dest` and checks its sha256 (when known).
   * @throws NodeApiError for an HTTP error or a checksum mismatch.
   */
  async download(url: string, dest: string, sha256: string | null): Promise<void> {
    const res = await this.#get(url);
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), tap, createWriteStream(dest));
    const got = hash.digest('hex');
    if (sha256 !== null && got !== sha256.toLowerCase()) throw new DownloadChecksumError(url, sha256, got);
  }

  /**
   * Downloads `url` into memory and checks its sha256; null when it is larger than `maxBytes`
   * (announced, or found while reading: the caller downloads it to a file instead).
   * @throws NodeApiError for an HTTP error, DownloadChecksumError for a checksum mismatch.
   */
  async downloadBytes(url: string, sha256: string, maxBytes: number): Promise<Buffer | null> {
    const checked = (data: Buffer): Buffer => {
      const got = createHash('sha256').update(data).digest('hex');
      if (got !== sha256.toLowerCase()) throw new DownloadChecksumError(url, sha256, got);
      return data;
    };
    const res = await this.#get(url);
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (length > maxBytes) {
      await res.body.cancel();
      return null;
    }
    if (length <= maxBytes) return checked(Buffer.from(await res.arrayBuffer()));
    // Without a length, read up to the limit; past it the download is left to the caller.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > maxBytes) {
        await res.body.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(Buffer.from(chunk));
    }
    return checked(Buffer.concat(chunks));
  }

  /**
   * GET `url` (with the token when it is a master's), answered with 2xx and a body; a master's URL
   * that does not answer is fetched from the next master under the same path.
   */
  async #get(url: string): Promise<Response & { body: ReadableStream<Uint8Array> }> {
    const at = this.servers.findIndex((s) => url.startsWith(`${s}/`));
    const path = at < 0 ? null : url.slice((this.servers[at] ?? '').length);
    for (let tries = 1; ; tries++) {
      const from = path === null ? url : `${this.server}${path}`;
      const served = this.#current;
      // The master's own URLs get the token, except artifact downloads: anyone may read those, and
      // a token would only cost the master a lookup per download.
      const own = path !== null && !path.startsWith('/api/v1/artifacts/');
      let res: Response;
      try {
        res = await fetch(from, { headers: own ? { authorization: `Bearer ${this.#token}` } : {}, signal: AbortSignal.timeout(30 * 60_000) });
      } catch (e) {
        if (path === null || tries >= this.servers.length) throw new NodeApiError(0, `GET ${from}: ${networkReason(e)}`, { cause: e });
        this.#switchFrom(served, `GET ${path}: ${networkReason(e)}`);
        continue;
      }
      if (path !== null && GATEWAY_ERRORS.has(res.status) && tries < this.servers.length) {
        await res.body?.cancel();
        this.#switchFrom(served, `GET ${path}: HTTP ${res.status}`);
        continue;
      }
      if (!res.ok || res.body === null) {
        await res.body?.cancel();
        throw new NodeApiError(res.status, `GET ${from}: HTTP ${res.status}`);
      }
      return res as Response & { body: ReadableStream<Uint8Array> };
    }
  }
}
