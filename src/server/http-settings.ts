/**
 * Limits of the master's HTTP server against slow or hostile clients (`ctx.settings.http`, set at
 * start from the configuration file's `http:` section; defaults when absent):
 *
 * ```yaml
 * http:
 *   headersTimeoutSeconds: 30    # a request's headers must arrive within this (408 otherwise)
 *   bodyIdleTimeoutSeconds: 30   # a request body may pause at most this long (408 otherwise)
 *   gitBackendProcesses: 8       # git http-backend processes at once (smart HTTP); others wait
 * ```
 */
import type { Context } from '../context.ts';

export interface HttpSettings {
  /** Time for a request's headers to arrive, in ms. */
  headersTimeoutMs: number;
  /** Longest pause in a request body while the server reads it, in ms. */
  bodyIdleTimeoutMs: number;
  /** git http-backend processes running at once; more requests wait (up to twice bodyIdleTimeoutMs, then 503) for one to end. */
  gitBackendProcesses: number;
}

declare module '../context.ts' {
  interface ServerSettings {
    /** HTTP limits (defaults when absent). */
    http?: HttpSettings;
  }
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = { headersTimeoutMs: 30_000, bodyIdleTimeoutMs: 30_000, gitBackendProcesses: 8 };

/** The HTTP settings of the context, defaults filled in. */
export function httpSettings(ctx: Context): HttpSettings {
  return { ...DEFAULT_HTTP_SETTINGS, ...ctx.settings.http };
}

const FIELDS = { headersTimeoutSeconds: 3600, bodyIdleTimeoutSeconds: 3600, gitBackendProcesses: 256 } as const;

/**
 * Checks the configuration file's `http:` section (whole numbers from 1 to a bound each).
 * @param fail throws naming the field
 */
export function parseHttpConfig(raw: unknown, fail: (field: string, problem: string) => never): HttpSettings {
  if (raw === null || raw === undefined) return { ...DEFAULT_HTTP_SETTINGS };
  if (typeof raw !== 'object' || Array.isArray(raw)) return fail('http', `must be a mapping (${Object.keys(FIELDS).join(', ')})`);
  const o = raw as Record<string, unknown>;
  const get = (key: keyof typeof FIELDS): number | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > FIELDS[key]) fail(`http.${key}`, `must be a whole number from 1 to ${FIELDS[key]}`);
    return n as number;
  };
  for (const key of Object.keys(o)) if (!(key in FIELDS)) fail(`http.${key}`, `unknown field (expected ${Object.keys(FIELDS).join(', ')})`);
  const headers = get('headersTimeoutSeconds');
  const idle = get('bodyIdleTimeoutSeconds');
  const processes = get('gitBackendProcesses');
  return {
    headersTimeoutMs: headers === undefined ? DEFAULT_HTTP_SETTINGS.headersTimeoutMs : headers * 1000,
    bodyIdleTimeoutMs: idle === undefined ? DEFAULT_HTTP_SETTINGS.bodyIdleTimeoutMs : idle * 1000,
    gitBackendProcesses: processes ?? DEFAULT_HTTP_SETTINGS.gitBackendProcesses,
  };
}
