/**
 * distforge's own lookaside store over HTTP. A maintainer uploads a source file
 * (PUT /lookaside/FILENAME, application/octet-stream, streamed; `?sha512=HEX` … asserts hashes);
 * anyone downloads it by any of its hashes (GET /lookaside/HASHTYPE/HASH[/FILENAME], anonymous), which is
 * what nodes do when a dist-git tree names the file in `sources` or `.NAME.metadata`; an S3 store
 * with presigned downloads on answers downloads with a redirect to the bucket.
 */
import type {} from '@fastify/swagger';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Context } from '../../context.ts';
import { DistforgeError, NotFoundError } from '../../errors.ts';
import { checkFileName, findSource, uploadSource } from '../../lookaside/index.ts';
import { errorResponses } from '../errors.ts';
import { requireUser } from '../principal.ts';
import { sendBlob, storeRedirectResponse } from '../send-blob.ts';
import { downloadParams, lookasideFileSchema, uploadParams, uploadQuery } from './lookaside-schemas.ts';

const OCTET = 'application/octet-stream';
const tags = ['lookaside'];
const security = [{ bearer: [] }];
/** Source tarballs can be large; the body is streamed to disk, never held in memory. */
const UPLOAD_LIMIT = 16 * 1024 ** 3;

type DownloadParams = { hashtype: string; '*': string };

/** Routes under /api/v1. */
export function lookasideRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    if (!app.hasContentTypeParser(OCTET)) app.addContentTypeParser(OCTET, (_req, payload, done) => done(null, payload));

    app.put<{ Params: { filename: string }; Querystring: Record<string, string | undefined> }>('/lookaside/:filename', {
      bodyLimit: UPLOAD_LIMIT,
      config: { streamBodyLimit: UPLOAD_LIMIT },
      schema: {
        tags, security,
        summary: "Upload a source file to distforge's lookaside store (maintainer; application/octet-stream); md5, sha1, sha256 and sha512 are recomputed",
        consumes: [OCTET],
        params: uploadParams,
        querystring: uploadQuery,
        response: { 201: lookasideFileSchema, ...errorResponses(400, 401, 403, 415, 422) },
      },
    }, async (req, reply) => {
      const user = requireUser(req.principal, 'maintainer');
      if (!(req.body instanceof Readable)) throw new DistforgeError('unsupported_media_type', `send the file as ${OCTET}`, { status: 415 });
      const { name, ...expected } = req.query;
      const file = await uploadSource(ctx, req.body, { filename: req.params.filename, ...(name !== undefined && { name }), expected, uploadedBy: user.userId });
      req.log.info({ filename: file.filename, sha256: file.sha256, size: file.size, by: user.name }, 'lookaside file uploaded');
      return reply.code(201).send(file);
    });

    const download = {
      schema: {
        tags, summary: 'Download a source file by hash (anyone); the file name, when given, only names the download',
        params: downloadParams,
        produces: [OCTET],
        response: { 200: { type: 'string', format: 'binary', description: 'the bytes' }, 302: storeRedirectResponse, ...errorResponses(400, 404, 503) },
      },
    };
    const serve = async (params: DownloadParams, reply: FastifyReply): Promise<FastifyReply> => {
      const [hash = '', ...rest] = params['*'].split('/');
      if (rest.length > 1) throw new NotFoundError(`no such lookaside path: ${params['*']}`);
      if (rest[0]) checkFileName(rest[0]);
      const found = await findSource(ctx, params.hashtype, hash);
      return sendBlob(ctx, reply, { sha256: found.sha256, size: found.size, name: rest[0] || found.filename });
    };
    app.get<{ Params: DownloadParams }>('/lookaside/:hashtype/*', download, (req, reply) => serve(req.params, reply));
  };
}
