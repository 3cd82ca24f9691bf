/**
 * The one place errors become HTTP answers: every error reply is `{ code, message }`.
 * - DistforgeError → its code and status (404 not_found, 401 unauthorized, 403 forbidden, …).
 * - A request that fails its JSON schema → 400 `bad_request`, naming the part and field
 *   (`body.arches[1]: must be one of …`).
 * - Other client errors Fastify raises (bad JSON, wrong content type, body too large) → their
 *   status with code `bad_request`.
 * - Anything else is a bug: 500 `{ code: 'internal', message: 'internal error' }`, logged with the
 *   stack; nothing about it leaks to the caller.
 */
import type { FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { DistforgeError } from '../errors.ts';

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
  }
  return `${part}${field ? `.${field}` : ''}: ${problem}`;
}

interface FastifyLikeError {
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
    return { status: e.statusCode, body: { code: 'bad_request', message: typeof e.message === 'string' ? e.message : 'bad request' }, bug: false };
  }
  return { status: 500, body: { code: 'internal', message: 'internal error' }, bug: true };
}

/** Fastify's error handler: answers `{ code, message }`; logs bugs. */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body, bug } = toErrorReply(error);
  if (bug) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.code, status }, body.message);
  void reply.code(status).send(body);
}

/** Fastify's not-found handler: 404 `{ code: 'not_found' }`. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send({ code: 'not_found', message: `no such endpoint: ${request.method} ${request.url.split('?')[0] ?? ''}` });
}
