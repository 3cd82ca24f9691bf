/**
 * Reading a repository over HTTP(S) with the global fetch: a timeout while waiting for the
 * response and for each part of the body (not for the whole transfer, so a large filelists on a
 * slow link is fine), and failures in words: "connection refused", "HTTP 404 Not Found",
 * "timed out after 30 s", "connection closed before the end of the file".
 */
import { RepoReadError } from '../errors.ts';
import type { Transport } from './transport.ts';

/** A transport over the base URL `url` (a "/" is added to its path if missing). */
export function httpTransport(url: URL, timeoutMs: number): Transport {
  const base = new URL(url.href);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.hash = '';
  const resolveHref = (href: string): string => new URL(href, base).href;
  return {
    location: base.href,
    resolve: resolveHref,
    stream: (href) => httpChunks(resolveHref(href), timeoutMs),
    // Whether the root exists shows when repodata/repomd.xml is fetched.
    checkRoot: () => Promise.resolve(),
  };
}

async function* httpChunks(url: string, timeoutMs: number): AsyncGenerator<Buffer, void, undefined> {
  const abort = new AbortController();
  let timedOut = false;
  /** Awaits `p` under the timeout: the request is aborted if it takes longer. */
  const timed = async <T>(p: Promise<T>): Promise<T> => {
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutMs);
    try {
      return await p;
    } catch (err) {
      throw httpError(url, err, timedOut ? timeoutMs : null);
    } finally {
      clearTimeout(timer);
    }
  };
  const response = await timed(fetch(url, { signal: abort.signal, redirect: 'follow' }));
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new RepoReadError(url, `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  if (!response.body) return;
  const reader = response.body.getReader();
  let done = false;
  try {
    while (!done) {
      const part = await timed(reader.read());
      if (part.done) done = true;
      else yield Buffer.from(part.value.buffer, part.value.byteOffset, part.value.byteLength);
    }
  } finally {
    // The consumer stopped early (or the body failed): close the connection's stream.
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/** Network failures as undici reports them (the code is on `cause`), in words. */
const CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed before the end of the file',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the response',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the response',
};

function httpError(url: string, err: unknown, timeoutMs: number | null): RepoReadError {
  if (err instanceof RepoReadError) return err;
  if (timeoutMs !== null) return new RepoReadError(url, `timed out after ${timeoutMs / 1000} s`, { cause: err });
  let message = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    const words = code === undefined ? undefined : CODES[code];
    if (words !== undefined) {
      message = words;
      break;
    }
    if (e !== err && e.message) message = e.message;
  }
  if (message === 'terminated' || message === 'other side closed') message = 'connection closed before the end of the file';
  return new RepoReadError(url, message, { cause: err });
}
