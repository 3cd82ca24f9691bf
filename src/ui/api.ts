/**
 * The API client of the UI: JSON requests to /api/v1 with the session's token, errors as
 * ApiError carrying the server's `{code, message}`, and server-sent event streams read with fetch
 * (EventSource cannot send the Authorization header a private build needs).
 */
import type { ErrorBody } from './api-types.ts';
import { readEvents, type ServerEvent } from './sse.ts';

export const API = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** `path?query` with empty values left out. */
export function withQuery(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> = {};
  try {
    body = (await res.json()) as Partial<ErrorBody>;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return new ApiError(res.status, body.code ?? 'http', body.message ?? `${res.status} ${res.statusText}`);
}

export interface ApiClient {
  readonly token: string | null;
  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** POSTs a file as application/octet-stream (an SRPM to POST /srpms). */
  upload<T>(path: string, file: Blob): Promise<T>;
  /** Reads a text/event-stream answer until it ends; throws ApiError for an error answer. */
  stream(path: string, query: Query, onEvent: (e: ServerEvent) => void, signal: AbortSignal): Promise<void>;
}

export function createApi(token: string | null): ApiClient {
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({ ...extra, ...(token ? { authorization: `Bearer ${token}` } : {}) });
  return {
    token,
    async get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
      const res = await fetch(API + withQuery(path, query), { headers: headers({ accept: 'application/json' }), ...(signal && { signal }) });
      if (!res.ok) throw await errorOf(res);
      return (await res.json()) as T;
    },
    async send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
      const res = await fetch(API + path, {
        method,
        headers: headers(body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' }),
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      if (!res.ok) throw await errorOf(res);
      const text = await res.text();
      return (text ? JSON.parse(text) : null) as T;
    },
    async upload<T>(path: string, file: Blob): Promise<T> {
      const res = await fetch(API + path, { method: 'POST', headers: headers({ accept: 'application/json', 'content-type': 'application/octet-stream' }), body: file });
      if (!res.ok) throw await errorOf(res);
      return (await res.json()) as T;
    },
    async stream(path: string, query: Query, onEvent: (e: ServerEvent) => void, signal: AbortSignal): Promise<void> {
      const res = await fetch(API + withQuery(path, query), { headers: headers({ accept: 'text/event-stream' }), signal });
      if (!res.ok) throw await errorOf(res);
      if (!res.body) throw new ApiError(res.status, 'http', 'the answer has no body');
      await readEvents(res.body, onEvent, signal);
    },
  };
}

/** A message for any error a request may end with. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.name === 'TypeError' ? `cannot reach the master (${e.message})` : e.message;
  return String(e);
}
