/**
 * /api/v1/store: the artifact store's housekeeping (admin). `POST /store/gc` collects the blobs
 * nothing names and nobody wrote within the grace period (src/blob-refs/), or with `dryRun` says
 * which it would; one collection at a time across every master (409 `gc_running`).
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS, MIN_GRACE_SECONDS, runStoreGc } from '../../blob-refs/index.ts';
import type { Context } from '../../context.ts';
import { errorResponses } from '../errors.ts';
import { requireUser } from '../principal.ts';

const tags = ['store'];
const security = [{ bearer: [] }];

/** A count of blobs and their bytes, described. */
function tally<D extends string>(description: D) {
  return { type: 'object', description, required: ['blobs', 'bytes'], properties: { blobs: { type: 'integer' }, bytes: { type: 'integer' } } } as const;
}

/** JSON schema of a collection's report. */
export const storeGcReportSchema = {
  type: 'object',
  required: ['dryRun', 'graceSeconds', 'startedAt', 'finishedAt', 'keepSince', 'scanned', 'referenced', 'recent', 'blobs', 'bytes', 'spared'],
  properties: {
    dryRun: { type: 'boolean' },
    graceSeconds: { type: 'integer' },
    startedAt: { type: 'integer' },
    finishedAt: { type: 'integer' },
    keepSince: { type: 'integer', description: 'blobs written at or after this time (ms) were kept' },
    scanned: tally('every blob of the store'),
    referenced: tally('kept: something names them'),
    recent: tally('kept: written within the grace period, or while a task still running ran'),
    blobs: {
      type: 'array',
      description: 'the blobs deleted (dry run: that would be), oldest first',
      items: {
        type: 'object',
        required: ['sha256', 'size', 'modifiedAt'],
        properties: { sha256: { type: 'string' }, size: { type: 'integer' }, modifiedAt: { type: 'integer' } },
      },
    },
    bytes: { type: 'integer', description: 'the bytes of `blobs`: the space freed' },
    spared: { type: 'integer', description: 'candidates kept after all: named or put again since the listing' },
  },
} as const;

export function storeRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: { dryRun?: boolean; graceSeconds?: number } }>('/store/gc', {
      schema: {
        tags, security,
        summary: 'Collect the artifact store\'s garbage (admin): blobs nothing names, older than the grace period; dryRun only lists them',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            dryRun: { type: 'boolean', default: false },
            graceSeconds: { type: 'integer', minimum: MIN_GRACE_SECONDS, maximum: MAX_GRACE_SECONDS, default: DEFAULT_GRACE_SECONDS, description: `blobs written more recently are kept (default ${DEFAULT_GRACE_SECONDS}, from ${MIN_GRACE_SECONDS} to ${MAX_GRACE_SECONDS})` },
          },
        },
        response: { 200: storeGcReportSchema, ...errorResponses(400, 401, 403, 409, 503) },
      },
    }, async (req) => {
      const me = requireUser(req.principal, 'admin');
      return runStoreGc(ctx, { dryRun: req.body.dryRun ?? false, graceSeconds: req.body.graceSeconds ?? DEFAULT_GRACE_SECONDS, by: me.name });
    });
  };
}
