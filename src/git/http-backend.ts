/**
 * git's smart HTTP, read-only: `git http-backend` run as a CGI program per request
 * (GIT_PROJECT_ROOT = DATA/git, GIT_HTTP_EXPORT_ALL), the request body streamed into it and its
 * output's CGI headers (`Status:`, `Content-Type:` …) parsed, the rest streamed back. Pushing is
 * refused before git runs (and switched off in git's configuration as well).
 *
 * The process runs in a process group of its own (http-backend starts git upload-pack): when the
 * request body fails (a timeout, a client gone, too large) or the caller's signal aborts, the
 * whole group is killed at once, so a slow or vanished client never leaves git running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';

export interface CgiRequest {
  method: string;
  /** Path under the project root, e.g. /mirrors/hello.git/info/refs. */
  pathInfo: string;
  query: string;
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  contentLength?: string | undefined;
  /** The Git-Protocol request header (protocol v2). */
  gitProtocol?: string | undefined;
  remoteAddr: string;
  body: Readable | null;
  /** Largest request body git buffers (GIT_HTTP_MAX_REQUEST_BUFFER); the caller enforces it on what it streams in. */
  maxRequestBytes: number;
  /** Aborted when the client went away: git is killed. */
  signal: AbortSignal;
}

export interface CgiResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable;
  /** Settles when the git processes have ended. */
  exited: Promise<void>;
}

const MAX_HEADER_BYTES = 64 * 1024;

function headerEnd(buf: Buffer): { at: number; length: number } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { at: crlf, length: 4 };
  return lf >= 0 ? { at: lf, length: 2 } : null;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}

/** Kills the process group of `child` (http-backend and the git it started). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * Runs git http-backend for one request.
 * @throws the request body's error (a timeout, a client gone, too large) when it failed before git answered; Error when git ended without answering
 */
export function runHttpBackend(projectRoot: string, req: CgiRequest): Promise<CgiResponse> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_HTTP_MAX_REQUEST_BUFFER: String(req.maxRequestBytes),
    PATH_INFO: req.pathInfo,
    QUERY_STRING: req.query,
    REQUEST_METHOD: req.method,
    CONTENT_TYPE: req.contentType ?? '',
    REMOTE_ADDR: req.remoteAddr,
    // Read-only whatever the repositories' own configuration says.
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'false',
    GIT_CONFIG_KEY_1: 'http.uploadarch',
    GIT_CONFIG_VALUE_1: 'false',
    ...(req.contentLength !== undefined && { CONTENT_LENGTH: req.contentLength }),
    ...(req.contentEncoding !== undefined && { HTTP_CONTENT_ENCODING: req.contentEncoding }),
    ...(req.gitProtocol !== undefined && { GIT_PROTOCOL: req.gitProtocol }),
  };
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  let failure: unknown = null;
  const fail = (e: unknown): void => {
    failure ??= e;
    killGroup(child);
  };
  const onAbort = (): void => fail(Object.assign(new Error('the client went away'), { code: 'ECONNRESET' }));
  if (req.signal.aborted) onAbort();
  else req.signal.addEventListener('abort', onAbort, { once: true });
  void exited.then(() => req.signal.removeEventListener('abort', onAbort));
  child.stdin.on('error', () => undefined);
  // git's answer goes out only once the whole request body went in: a body that fails (too large,
  // too slow) is then an error answer, not a truncated 200.
  let bodyDone = req.body === null;
  if (req.body) {
    if (req.body.destroyed) fail(req.body.errored ?? new Error('the request body ended early'));
    req.body.once('error', fail);
    req.body.once('end', () => {
      bodyDone = true;
      settle();
    });
    req.body.pipe(child.stdin);
  } else child.stdin.end();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d;
  });
  let head: CgiResponse | null = null;
  let settled = false;
  let resolve: (r: CgiResponse) => void = () => undefined;
  function settle(): void {
    if (settled || head === null || !bodyDone || failure !== null) return;
    settled = true;
    resolve(head);
  }
  return new Promise((resolveAnswer, reject) => {
    resolve = resolveAnswer;
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const end = headerEnd(buf);
      if (end === null) {
        if (buf.length > MAX_HEADER_BYTES) killGroup(child);
        return;
      }
      child.stdout.off('data', onData);
      const { status, headers } = parseCgiHeaders(buf.subarray(0, end.at).toString('latin1'));
      const body = new PassThrough();
      // A client that goes away stops git too.
      body.on('close', () => killGroup(child));
      body.write(buf.subarray(end.at + end.length));
      child.stdout.pipe(body);
      head = { status, headers, body, exited };
      settle();
    };
    child.stdout.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      // git answered without reading the whole body (a refusal): that answer stands.
      if (failure === null && head !== null) bodyDone = true;
      settle();
      if (!settled) reject(failure ?? new Error(`git http-backend ended (exit ${code ?? 'signal'}) without answering: ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}
