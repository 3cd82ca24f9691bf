/**
 * The one place errors become HTTP answers: every error reply is `{ code, message }`.
 * - DistforgeError → its code and status (404 not_found, 401 unauthorized, 403 forbidden, …).
 * - A request that fails its JSON schema → 400 `bad_request`, naming the part and field
 *   (`body.arches[1]: must be one of …`).
 * - Other client errors Fastify raises (bad JSON, wrong content type, a malformed or too long URL)
 *   → their status with code `bad_request`, or `body_too_large` (413), `uri_too_long` (414).
 * - Errors before routing (a URL that does not decode, a path parameter over the router's
 *   limit) and on the connection (headers too slow: 408, too large: 431, not HTTP) get the same
 *   `{ code, message }` bodies (`frameworkErrors`, `clientErrorHandler`).
 * - Anything else is a bug: 500 `{ code: 'internal', message: 'internal error' }`, logged with the
 *   stack; nothing about it leaks to the caller.
 *
 * An error answered before the request body was read to its end (a 408, a 413, a refusal before
 * reading) closes the connection (`Connection: close`): the rest of the body is not waited for.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { DistforgeError } from '../errors.ts';
import { NO_NUL_PATTERN, SAFE_LINE_PATTERN } from '../util/text.ts';

/** The body of every error reply. */
export interface ErrorBody {
  code: string;
  message: string;
}

/** JSON schema of ErrorBody, for route response schemas and the OpenAPI document. */
export const errorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' } },
} as const;

const DESCRIPTIONS: Record<number, string> = {
  400: 'bad input: { code, message } names the field',
  401: 'no token, or an unknown or revoked token',
  403: 'the token may not make this call',
  404: 'not found',
  409: 'conflicts with what exists',
  503: 'the master cannot answer now (starting, or the artifact store does not answer)',
};

/** Response schemas for the given error statuses: `{ ...errorResponses(400, 404) }`. */
export function errorResponses(...statuses: number[]): Record<string, typeof errorSchema & { description: string }> {
  return Object.fromEntries(statuses.map((s) => [String(s), { ...errorSchema, description: DESCRIPTIONS[s] ?? 'error' }]));
}

/** `/arches/1` → `arches[1]`, `/macros/_vendor` → `macros._vendor`. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** One line for the first schema violation: `body.arches[1]: must be one of x86_64, …`. */
export function describeValidation(errors: FastifySchemaValidationError[], part: string): string {
  const e = errors[0];
  if (!e) return `${part}: invalid`;
  let field = fieldPath(e.instancePath);
  let problem = e.message ?? 'is invalid';
  const p = e.params;
  if (e.keyword === 'required' && typeof p.missingProperty === 'string') {
    field = field ? `${field}.${p.missingProperty}` : p.missingProperty;
    problem = 'is required';
  } else if (e.keyword === 'additionalProperties' && typeof p.additionalProperty === 'string') {
    field = field ? `${field}.${p.additionalProperty}` : p.additionalProperty;
    problem = 'unknown field';
  } else if (e.keyword === 'enum' && Array.isArray(p.allowedValues)) {
    problem = `must be one of ${p.allowedValues.map(String).join(', ')}`;
  } else if (e.keyword === 'pattern' && p.pattern === SAFE_LINE_PATTERN) {
    problem = 'must not hold control or invisible formatting characters';
  } else if (e.keyword === 'pattern' && p.pattern === NO_NUL_PATTERN) {
    problem = 'must not hold NUL characters';
  }
  return `${part}${field ? `.${field}` : ''}: ${problem}`;
}

/** Codes of the client errors Fastify raises itself, by status (others: bad_request). */
const CLIENT_ERROR_CODES: Record<number, string> = { 408: 'request_timeout', 413: 'body_too_large', 414: 'uri_too_long' };

/** Messages of Fastify's errors that would otherwise echo a whole URL. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_MAX_PARAM_LENGTH: 'a part of the URL path is longer than the server accepts (100 characters)',
  FST_ERR_BAD_URL: 'the URL path does not decode (bad percent-encoding)',
};

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: FastifySchemaValidationError[];
  validationContext?: string;
}

/** Maps any error to its status and body (and whether it is a bug to log). */
export function toErrorReply(error: unknown): { status: number; body: ErrorBody; bug: boolean } {
  if (error instanceof DistforgeError) {
    const bug = error.status >= 500;
    return { status: error.status, body: { code: error.code, message: error.message }, bug };
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (Array.isArray(e.validation)) {
    return { status: 400, body: { code: 'bad_request', message: describeValidation(e.validation, e.validationContext ?? 'request') }, bug: false };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const known = typeof e.code === 'string' ? FASTIFY_MESSAGES[e.code] : undefined;
    const message = known ?? (typeof e.message === 'string' ? e.message.slice(0, 300) : 'bad request');
    return { status: e.statusCode, body: { code: CLIENT_ERROR_CODES[e.statusCode] ?? 'bad_request', message }, bug: false };
  }
  return { status: 500, body: { code: 'internal', message: 'internal error' }, bug: true };
}

/** Fastify's error handler: answers `{ code, message }`; logs bugs. */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body, bug } = toErrorReply(error);
  if (bug) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.code, status }, body.message);
  if (reply.sent || reply.raw.headersSent) return;
  // The body was not read to its end: do not wait for the rest of it on this connection.
  if (status === 408 || status === 413 || !request.raw.complete) void reply.header('connection', 'close');
  void reply.code(status).send(body);
}

/** Errors of the connection itself, before a request exists (`clientErrorHandler`): the socket gets a `{ code, message }` answer, then closes. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, body]: [number, ErrorBody] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, { code: 'request_timeout', message: 'the request headers did not arrive in time' }]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, { code: 'headers_too_large', message: 'the request headers are too large' }]
        : [400, { code: 'bad_request', message: 'malformed HTTP request' }];
  const json = JSON.stringify(body);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`, () => socket.destroy());
}

/** Fastify's not-found handler: 404 `{ code: 'not_found' }`. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send({ code: 'not_found', message: `no such endpoint: ${request.method} ${request.url.split('?')[0] ?? ''}` });
}
