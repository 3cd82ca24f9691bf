/**
 * The HTTP client every client command (`node`, `platform`, `token`, `build`, …) shares: the
 * server's base URL and a token from `--server URL` / `--token T` or DISTFORGE_URL /
 * DISTFORGE_TOKEN, JSON requests, and errors turned into one line: the server's `{ code, message }`
 * becomes `distforge: message` (exit 1); a server that does not answer becomes
 * `distforge: cannot reach URL: connection refused`.
 */
import type { Command } from 'commander';
import { isTokenText } from '../auth/secrets.ts';
import { DistforgeError, UsageError } from '../errors.ts';

/** The flags withClientOptions adds. */
export interface ClientFlags {
  server?: string;
  token?: string;
}

/** An error answer from the server, with its code and HTTP status. */
export class ApiError extends DistforgeError {
  constructor(code: string, message: string, status: number) {
    super(code, message, { status });
  }
}

/** The server did not answer (refused, unknown host, timed out, …). */
export class ServerUnreachableError extends DistforgeError {
  constructor(server: string, why: string, options?: { cause?: unknown }) {
    super('unreachable', `cannot reach ${server}: ${why}`, { status: 503, ...options });
  }
}

/** Adds `--server URL` and `--token T` to a command. */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'the distforge server, e.g. http://127.0.0.1:8080 (default: $DISTFORGE_URL)')
    .option('--token <token>', 'API token (default: $DISTFORGE_TOKEN)');
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed',
};

/** Why fetch failed, in a few words. */
function networkProblem(e: unknown): string {
  let cause = (e as { cause?: unknown }).cause ?? e;
  const nested = (cause as { errors?: unknown[] }).errors;
  if (Array.isArray(nested) && nested.length > 0) cause = nested[0];
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') return NETWORK_ERRORS[code] ?? code;
  return (cause as Error).message ?? String(cause);
}

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Added to the URL; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
}

/** A client of one server's /api/v1, with or without a token. */
export class ApiClient {
  /** e.g. http://127.0.0.1:8080 (no trailing slash). */
  readonly server: string;
  readonly token: string | undefined;

  constructor(server: string, token?: string) {
    this.server = server;
    this.token = token;
  }

  /** The full URL of an API path (`/nodes` → SERVER/api/v1/nodes). */
  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(`${this.server}/api/v1${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /**
   * Sends a request and returns the response when it is a success (2xx).
   * `init.body` may be anything fetch sends (a Buffer, a stream with `duplex: 'half'`, …).
   * @throws ApiError for an error answer, ServerUnreachableError when nothing answers.
   */
  async fetch(method: string, path: string, init: { body?: RequestInit['body']; headers?: Record<string, string>; query?: RequestOptions['query'] } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.url(path, init.query), { method, headers, body: init.body ?? null, ...(isStream(init.body) && { duplex: 'half' }) } as RequestInit);
    } catch (e) {
      throw new ServerUnreachableError(this.server, networkProblem(e), { cause: e });
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let parsed: { code?: unknown; message?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // not JSON: a proxy's error page, say
    }
    if (typeof parsed.code === 'string' && typeof parsed.message === 'string') throw new ApiError(parsed.code, parsed.message, res.status);
    throw new ApiError('http', `${this.server} answered ${res.status} ${res.statusText}`.trim(), res.status);
  }

  /** A JSON request; returns the parsed JSON answer (undefined for an empty one). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const hasBody = options.body !== undefined;
    const res = await this.fetch(method, path, {
      ...(hasBody && { body: JSON.stringify(options.body), headers: { 'content-type': 'application/json' } }),
      ...(options.query && { query: options.query }),
    });
    const text = await res.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, query ? { query } : {});
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body === undefined ? {} : { body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

function isStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function';
}

/** `http://host:8080/` or `http://host:8080/api/v1` → `http://host:8080`. @throws UsageError */
export function normalizeServerUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`invalid server URL "${value}" (expected e.g. http://127.0.0.1:8080)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`invalid server URL "${value}": must be http:// or https://`);
  return value.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

/**
 * `token` as given (surrounding white space removed), or undefined when empty.
 * @throws UsageError, without the token, when it has a line break, a space or another character no
 * token has.
 */
export function tokenFrom(given: string | undefined): string | undefined {
  const token = given?.trim() || undefined;
  if (token !== undefined && !isTokenText(token)) {
    throw new UsageError('the token (--token or DISTFORGE_TOKEN) has a line break, space or other character no distforge token has; it is not shown here: check how it was copied');
  }
  return token;
}

/**
 * The client for a command's flags, falling back to DISTFORGE_URL and DISTFORGE_TOKEN.
 * @param needsToken when true, a missing token is an error before any request is made.
 * @throws UsageError
 */
export function clientFrom(flags: ClientFlags, options: { needsToken?: boolean; env?: NodeJS.ProcessEnv } = {}): ApiClient {
  const env = options.env ?? process.env;
  const server = flags.server ?? env.DISTFORGE_URL;
  if (!server) throw new UsageError('no server given: pass --server URL or set DISTFORGE_URL');
  const token = tokenFrom(flags.token ?? env.DISTFORGE_TOKEN);
  if (options.needsToken && !token) throw new UsageError('this command needs a token: pass --token TOKEN or set DISTFORGE_TOKEN');
  return new ApiClient(normalizeServerUrl(server), token);
}

/** Prints `value` as indented JSON on standard output. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows as aligned columns under a header. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  process.stdout.write(`${[header, ...rows].map(line).join('\n')}\n`);
}
