/**
 * /api/v1/builds: maintainers submit, cancel, retry and rebuild builds and upload SRPMs; anyone
 * reads a public build (its tasks, logs, scheduling events and repositories), any user or node a
 * private one. The build repositories are served here as static files for nodes and dnf.
 */
import type {} from '@fastify/swagger';
import type { Readable } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { buildLogs, buildRepoDir, cancelBuild, ensureBuildRepo, metadataSignatureOf, getBuildRow, listBuilds, parseSubmitInput, rebuildBuild, retryBuild, showBuild, storeSrpm, submitBuild, type FeedQuery } from '../../builds/index.ts';
import { jsonArray, type BuildRow } from '../../builds/schema.ts';
import type { Context } from '../../context.ts';
import { NotFoundError, UsageError } from '../../errors.ts';
import { buildArches, findPlatform, type Arch } from '../../platforms/index.ts';
import { taskEvents } from '../../scheduler/events.ts';
import { errorResponses } from '../errors.ts';
import { repoFilePath, sendRepoFile } from '../repo-files.ts';
import { requireUser, UnauthorizedError, type Principal } from '../principal.ts';
import {
  buildPageSchema,
  buildSchema,
  eventsSchema,
  idParams,
  listQuerySchema,
  logPageSchema,
  logsQuerySchema,
  submitBodySchema,
  uploadedSrpmSchema,
} from './builds-schemas.ts';
import { idInteger, line, nameString } from './schema-parts.ts';

const tags = ['builds'];
const security = [{ bearer: [] }];

/** Public builds are for everyone; private ones for any user or node. @throws UnauthorizedError */
function checkRead(p: Principal, build: Pick<BuildRow, 'id' | 'public'>): void {
  if (build.public === 1 || p.kind !== 'anonymous') return;
  throw new UnauthorizedError(`build ${build.id} is not public: a token is required`);
}

function who(p: Principal): string {
  return p.kind === 'anonymous' ? 'anonymous' : p.name;
}


function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function buildRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    if (!app.hasContentTypeParser('application/octet-stream')) {
      // SRPM uploads are streamed into the store, never held in memory whole.
      app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    }

    app.post<{ Body: unknown }>('/builds', {
      schema: { tags, summary: 'Submit a build (maintainer)', security, body: submitBodySchema, response: { 201: buildSchema, ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req, reply) => {
      const user = requireUser(req.principal, 'maintainer');
      const id = await submitBuild(ctx, user.userId, parseSubmitInput(req.body));
      return reply.code(201).send(await showBuild(ctx, id));
    });

    app.get<{ Querystring: Omit<FeedQuery, 'publicOnly'> }>('/builds', {
      schema: {
        tags,
        summary: 'The builds feed: newest first, filtered, searched (q: a build id or the start of a package NEVRA), a page at a time by offset or cursor (before); anonymous callers see public builds',
        querystring: listQuerySchema,
        response: { 200: buildPageSchema, ...errorResponses(400, 401) },
      },
    }, (req) => listBuilds(ctx, { ...req.query, publicOnly: req.principal.kind === 'anonymous' }));

    app.get<{ Params: { id: number } }>('/builds/:id', {
      schema: { tags, summary: 'Show a build with its items, tasks and artifacts', params: idParams, response: { 200: buildSchema, ...errorResponses(400, 401, 404) } },
    }, async (req) => {
      checkRead(req.principal, await getBuildRow(ctx, req.params.id));
      return showBuild(ctx, req.params.id);
    });

    app.post<{ Params: { id: number } }>('/builds/:id/cancel', {
      schema: { tags, summary: 'Cancel every unfinished task of a build (maintainer)', security, params: idParams, response: { 200: buildSchema, ...errorResponses(401, 403, 404, 409) } },
    }, async (req) => {
      const user = requireUser(req.principal, 'maintainer');
      await cancelBuild(ctx, req.params.id, user.name);
      return showBuild(ctx, req.params.id);
    });

    app.post<{ Params: { id: number } }>('/builds/:id/retry', {
      schema: { tags, summary: 'Run the failed and cancelled tasks of a build again (maintainer)', security, params: idParams, response: { 200: buildSchema, ...errorResponses(401, 403, 404, 409) } },
    }, async (req) => {
      const user = requireUser(req.principal, 'maintainer');
      await retryBuild(ctx, req.params.id, user.name);
      return showBuild(ctx, req.params.id);
    });

    app.post<{ Params: { id: number }; Body: { sameBuildroot?: boolean } | undefined }>('/builds/:id/rebuild', {
      schema: {
        tags,
        summary: 'Submit a new build of the same sources at the same commits (maintainer); sameBuildroot: each task installs exactly the packages its counterpart\'s root held',
        security,
        params: idParams,
        body: { type: 'object', nullable: true, additionalProperties: false, properties: { sameBuildroot: { type: 'boolean' } } },
        response: { 201: buildSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => {
      const user = requireUser(req.principal, 'maintainer');
      const id = await rebuildBuild(ctx, user.userId, req.params.id, { sameBuildroot: req.body?.sameBuildroot === true });
      return reply.code(201).send(await showBuild(ctx, id));
    });

    app.get<{ Params: { id: number }; Querystring: { task?: number; after?: string } }>('/builds/:id/logs', {
      schema: { tags, summary: 'Log chunks of a build (or one task) after a cursor', params: idParams, querystring: logsQuerySchema, response: { 200: logPageSchema, ...errorResponses(400, 401, 404) } },
    }, async (req) => {
      checkRead(req.principal, await getBuildRow(ctx, req.params.id));
      return buildLogs(ctx, req.params.id, { ...(req.query.task !== undefined ? { taskId: req.query.task } : {}), ...(req.query.after !== undefined ? { after: req.query.after } : {}) });
    });

    app.get<{ Params: { id: number } }>('/tasks/:id/events', {
      schema: { tags, summary: 'State changes and scheduling decisions of a task', params: idParams, response: { 200: eventsSchema, ...errorResponses(400, 401, 404) } },
    }, async (req) => {
      const task = await ctx.db.kysely.selectFrom('tasks').select('build_id').where('id', '=', req.params.id).executeTakeFirst();
      if (!task) throw new NotFoundError(`no task ${req.params.id}`);
      // A release's task (signing its repositories) is as public as the release.
      if (task.build_id !== null) checkRead(req.principal, await getBuildRow(ctx, task.build_id));
      return (await taskEvents(ctx, req.params.id)).map((e) => ({ id: e.id, at: e.at, kind: e.kind, nodeId: e.node_id, message: e.message }));
    });

    app.post<{ Body: Readable | Buffer }>('/srpms', {
      schema: {
        tags, summary: 'Upload an SRPM to build from (maintainer; body: the file, application/octet-stream)', security,
        response: { 201: uploadedSrpmSchema, ...errorResponses(400, 401, 403, 415, 422) },
      },
    }, async (req, reply) => {
      requireUser(req.principal, 'maintainer');
      if (!(req.headers['content-type'] ?? '').startsWith('application/octet-stream')) throw new UsageError('send the SRPM as application/octet-stream');
      const srpm = await storeSrpm(ctx, req.body);
      req.log.info({ sha256: srpm.sha256, nevra: srpm.nevra, by: who(req.principal) }, 'SRPM uploaded');
      return reply.code(201).send(srpm);
    });

    type RepoParams = { id: number; key?: string; platform: string; arch: string; '*': string };
    const repoParams = { type: 'object', required: ['id', 'platform', 'arch', '*'], properties: { id: idInteger, platform: nameString, arch: line(16), '*': line(1024) } } as const;
    const repoSchema = { tags, summary: 'A file of a build repository (repodata/…, packages)', params: repoParams, response: errorResponses(400, 401, 404) };
    const keyedParams = { ...repoParams, required: [...repoParams.required, 'key'], properties: { ...repoParams.properties, key: line(64) } };
    const serveRepoFile = async (req: FastifyRequest<{ Params: RepoParams }>, reply: FastifyReply): Promise<FastifyReply> => {
      const { id, key, platform, arch } = req.params;
      const build = await getBuildRow(ctx, id);
      if (key === undefined) checkRead(req.principal, build);
      else if (build.repo_key === null || !safeEqual(key, build.repo_key)) throw new NotFoundError(`no such build repository`);
      const known = jsonArray(build.platforms).includes(platform) ? await findPlatform(ctx, platform).catch(() => null) : null;
      if (!known || !buildArches(known).includes(arch as Arch)) throw new NotFoundError(`build ${id} has no repository ${platform}/${arch}`);
      const parts = repoFilePath(req.params['*'], 'the build repository');
      // Reading the metadata brings the repository up to date first.
      // So does a package this master's copy lacks (another master published it: docs/scale-out.md).
      const local = buildRepoDir(ctx, id, platform, arch);
      const dir = parts[0] === 'repodata' || !existsSync(join(local, ...parts)) ? await ensureBuildRepo(ctx, id, platform, arch) : local;
      if (parts.join('/') === 'repodata/repomd.xml.asc') {
        // The signature a signer made over this repository's current repomd.xml, if any.
        const signed = await metadataSignatureOf(ctx, dir);
        if (!signed) throw new NotFoundError(`build ${id}'s ${platform}/${arch} repository metadata is not signed (build sign ${id} signs it with its packages)`);
        return reply.type('application/pgp-signature').send(signed.signature);
      }
      return sendRepoFile(reply, dir, parts, `build ${id}'s ${platform}/${arch} repository`);
    };
    app.get<{ Params: RepoParams }>('/builds/:id/repo/:platform/:arch/*', { schema: repoSchema }, serveRepoFile);
    app.get<{ Params: RepoParams }>('/builds/:id/repo-key/:key/:platform/:arch/*', { schema: { ...repoSchema, params: keyedParams, summary: `${repoSchema.summary}, at the URL with the build's key (no token)` } }, serveRepoFile);
  };
}
