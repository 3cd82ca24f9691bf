/**
 * The git service's routes: mirrors, rules, upstream events and package pipelines under /api/v1
 * (anyone reads; admins change mirrors and rules; maintainers may ask for a sync), push webhooks
 * (no token: the webhook's signature is checked), and the mirrors served read-only over git's
 * smart HTTP at /git/NAME.git (our autopatched repositories at /git/ours/NAME.git).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../../context.ts';
import { DistforgeError, NotFoundError } from '../../errors.ts';
import {
  deleteMirror, deleteRule, ensureMirror, ensureOurs, getMirror, getMirrorRow, getRule, gitRoot, listEvents, listMirrors, listRules, oursDir,
  packagePipeline, parseMirrorDefinition, parseRuleDefinition, receiveWebhook, registerMirrors, runHttpBackend, saveRule, syncMirrorNow, type CgiResponse,
} from '../../git/index.ts';
import { checkName } from '../../platforms/names.ts';
import { Slots } from '../../util/slots.ts';
import { UNSAFE_CHARACTER, unsafeCharacter } from '../../util/text.ts';
import { errorResponses } from '../errors.ts';
import { httpSettings } from '../http-settings.ts';
import { requireUser } from '../principal.ts';
import {
  eventSchema, eventsQuerySchema, mirrorDefinitionSchema, mirrorListBodySchema, mirrorSchema, nameParams, pipelineSchema, ruleDefinitionSchema, ruleSchema, syncResultSchema,
} from './git-schemas.ts';

const tags = ['git'];
const secured = [{ bearer: [] }];
type NameReq = { Params: { name: string } };

/** GET PATH (a list) and GET PATH/:name (one), readable by anyone. */
function listAndShow(app: FastifyInstance, path: string, [one, many]: [string, string], schema: object, list: () => Promise<unknown>, show: (name: string) => Promise<unknown>): void {
  app.get(path, { schema: { tags, summary: `List ${many}`, response: { 200: { type: 'array', items: schema }, ...errorResponses(401) } } }, list);
  app.get<NameReq>(`${path}/:name`, {
    schema: { tags, summary: `Show ${one}`, params: nameParams, response: { 200: schema, ...errorResponses(400, 401, 404) } },
  }, (req) => show(req.params.name));
}

function mirrorRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    listAndShow(app, '/git/mirrors', ['an upstream mirror', 'upstream mirrors'], mirrorSchema, () => listMirrors(ctx), (name) => getMirror(ctx, name));

    app.post<{ Body: unknown }>('/git/mirrors', {
      schema: { tags, summary: 'Register an upstream repository (admin): asked, fetched, refs recorded', security: secured, body: mirrorDefinitionSchema, response: { 201: mirrorSchema, ...errorResponses(400, 401, 403, 409) } },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      const [m] = await registerMirrors(ctx, [parseMirrorDefinition(req.body, { where: 'git mirror' })]);
      req.log.info({ mirror: m?.name }, 'git mirror registered');
      return reply.code(201).send(m);
    });

    app.post<{ Body: { mirrors: unknown[] } }>('/git/mirrors/import', {
      schema: { tags, summary: 'Register a list of upstream repositories (admin): all or none', security: secured, body: mirrorListBodySchema, response: { 201: { type: 'array', items: mirrorSchema }, ...errorResponses(400, 401, 403, 409) } },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      const defs = req.body.mirrors.map((m, i) => parseMirrorDefinition(m, { where: 'git mirrors', prefix: `mirrors[${i}].` }));
      const created = await registerMirrors(ctx, defs);
      req.log.info({ mirrors: created.length }, 'git mirrors registered');
      return reply.code(201).send(created);
    });

    app.delete<NameReq>('/git/mirrors/:name', {
      schema: { tags, summary: 'Delete a mirror, its refs and events (admin)', security: secured, params: nameParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404) } },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      await deleteMirror(ctx, req.params.name);
      req.log.info({ mirror: req.params.name }, 'git mirror deleted');
      return reply.code(204).send();
    });

    app.post<NameReq>('/git/mirrors/:name/sync', {
      schema: { tags, summary: 'Sync a mirror now (maintainer); matching new refs are built', security: secured, params: nameParams, response: { 200: syncResultSchema, ...errorResponses(400, 401, 403, 404) } },
    }, async (req) => {
      requireUser(req.principal, 'maintainer');
      return syncMirrorNow(ctx, req.params.name);
    });
  };
}

function ruleRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    listAndShow(app, '/git/rules', ['a rule', 'rules (refs → platforms)'], ruleSchema, () => listRules(ctx), (name) => getRule(ctx, name));

    app.put<NameReq & { Body: { name?: unknown } }>('/git/rules/:name', {
      schema: { tags, summary: 'Create or replace a rule (admin)', security: secured, params: nameParams, body: ruleDefinitionSchema, response: { 200: ruleSchema, 201: ruleSchema, ...errorResponses(400, 401, 403, 404) } },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      checkName('rule name', req.params.name);
      const def = parseRuleDefinition(req.body, { where: 'git rule' });
      if (def.name !== req.params.name) throw new DistforgeError('invalid_git_definition', `git rule: name: "${def.name}" does not match the URL's rule name "${req.params.name}"`);
      const { rule, created } = await saveRule(ctx, def);
      req.log.info({ rule: rule.name, created }, 'git rule saved');
      return reply.code(created ? 201 : 200).send(rule);
    });

    app.delete<NameReq>('/git/rules/:name', {
      schema: { tags, summary: 'Delete a rule (admin)', security: secured, params: nameParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404) } },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      await deleteRule(ctx, req.params.name);
      return reply.code(204).send();
    });

    app.get<{ Querystring: { mirror?: string; limit?: number } }>('/git/events', {
      schema: { tags, summary: 'Upstream events, newest first', querystring: eventsQuerySchema, response: { 200: { type: 'array', items: eventSchema }, ...errorResponses(400, 401, 404) } },
    }, async (req) => {
      if (req.query.mirror !== undefined) await getMirrorRow(ctx, req.query.mirror);
      return listEvents(ctx, req.query.mirror ?? null, req.query.limit);
    });

    app.get<NameReq>('/git/packages/:name', {
      schema: { tags, summary: 'A package’s pipeline: upstream ref → our ref → build → tasks → signed → released', params: nameParams, response: { 200: pipelineSchema, ...errorResponses(400, 401, 404) } },
    }, (req) => packagePipeline(ctx, req.params.name));
  };
}

function webhookRoutes(ctx: Context): FastifyPluginAsync {
  const response = { 200: { type: 'object', required: ['synced'], properties: { synced: { type: 'array', items: syncResultSchema } } }, ...errorResponses(400, 401, 403, 404) };
  const handle = async (name: string | null, req: FastifyRequest): Promise<{ synced: unknown[] }> => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    try {
      return { synced: await receiveWebhook(ctx, name, req.headers, body) };
    } catch (e) {
      if (e instanceof DistforgeError && (e.status === 401 || e.status === 403)) req.log.warn({ mirror: name, code: e.code, ip: req.ip }, `git webhook refused: ${e.message}`);
      throw e;
    }
  };
  return async (app) => {
    // The signature covers the exact bytes: keep the body raw.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 8 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    app.post<NameReq>('/git/hooks/:name', {
      schema: { tags, summary: 'Push webhook of one mirror (Gitea/Forgejo, GitHub, GitLab; signed with its secret): sync it now', params: nameParams, response },
    }, (req) => handle(req.params.name, req));
    app.post('/git/hooks', {
      schema: { tags, summary: 'Push webhook for the mirrors whose upstream URL the payload names', response },
    }, (req) => handle(null, req));
  };
}

/** Routes under /api/v1. */
export function gitRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    await app.register(mirrorRoutes(ctx));
    await app.register(ruleRoutes(ctx));
    await app.register(webhookRoutes(ctx));
  };
}

const REPO_PATH = /^(ours\/)?([^/]+)\.git(\/.*)?$/;

/** The CGI path of a request under /git/, once the repository is known to exist. @throws NotFoundError, InvalidNameError, DistforgeError bad_request */
async function repositoryPath(ctx: Context, rest: string): Promise<string> {
  if (unsafeCharacter(rest)) throw new DistforgeError('bad_request', `the path /git/… holds a control or invisible formatting character (${unsafeCharacter(rest) ?? ''})`);
  const m = REPO_PATH.exec(rest);
  if (!m) throw new NotFoundError(`no git repository at /git/${rest.slice(0, 200)}`);
  const [, ours, name = '', tail = ''] = m;
  if (tail.includes('..') || tail.includes('//') || tail.includes('\\')) throw new NotFoundError(`no git repository file at /git/${rest.slice(0, 200)}`);
  // A fetch starts with info/refs: then this master's copy is brought up to date first, should it
  // lack the repository or be behind the database (another master synced it: docs/scale-out.md).
  const starting = tail === '/info/refs';
  if (ours) {
    checkName('repository name', name);
    if (starting) await ensureOurs(ctx, name).catch((e: unknown) => ctx.log.warn({ err: e, repository: `ours/${name}` }, 'cannot bring our git repository up to date; serving this master\'s copy'));
    if (!existsSync(oursDir(ctx.settings.dataDir, name))) throw new NotFoundError(`no git repository ours/${name}.git`);
  } else {
    await getMirrorRow(ctx, name);
    if (starting) await ensureMirror(ctx, name).catch((e: unknown) => ctx.log.warn({ err: e, mirror: name }, 'cannot bring the git mirror up to date; serving this master\'s copy'));
    if (!existsSync(join(gitRoot(ctx.settings.dataDir), 'mirrors', `${name}.git`, 'HEAD'))) throw new NotFoundError(`git mirror "${name}" has not been fetched yet`);
  }
  return `/${ours ? 'ours' : 'mirrors'}/${name}.git${tail}`;
}

function readOnlyError(): DistforgeError {
  return new DistforgeError('forbidden', 'the git repositories of distforge are read-only (git-receive-pack is refused)', { status: 403 });
}

/** Refuses pushes and ambiguous service parameters (git would take the last one). @throws DistforgeError forbidden, bad_request */
function checkService(rest: string, query: string): void {
  const services = new URLSearchParams(query).getAll('service');
  if (rest.endsWith('/git-receive-pack') || services.includes('git-receive-pack')) throw readOnlyError();
  if (services.length > 1) throw new DistforgeError('bad_request', 'give the service query parameter once (service=git-upload-pack)');
}

const CGI_ERROR_CODES: Record<number, string> = { 403: 'forbidden', 404: 'not_found', 405: 'bad_request', 413: 'body_too_large', 415: 'unsupported_media_type' };

/** git's own refusal (a 4xx or 5xx with a short text or no body) as `{ code, message }`. */
async function cgiError(res: CgiResponse): Promise<DistforgeError> {
  let text = '';
  for await (const chunk of res.body) {
    if (text.length < 1024) text += String(chunk);
  }
  const reason = text.replace(UNSAFE_RUN, ' ').trim().slice(0, 200);
  const code = CGI_ERROR_CODES[res.status] ?? (res.status >= 500 ? 'git_http_backend' : 'bad_request');
  return new DistforgeError(code, `git http-backend refused the request (${res.status})${reason ? `: ${reason}` : ''}`, { status: res.status >= 500 ? 502 : res.status });
}

const UNSAFE_RUN = new RegExp(`${UNSAFE_CHARACTER.source}+`, 'gu');

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Routes at the root: /git/NAME.git/… (git http-backend). At most `gitBackendProcesses` git
 * processes run at once; a request waits (at most twice the body idle timeout, then 503 `busy`)
 * for one to end; a waiting request whose client stops sending its body gets 408 meanwhile. A request body is bounded (`bodyLimit`: 413 at once for a larger Content-Length) and
 * guarded against pauses (body-guard.ts); git is killed when the client goes away.
 */
export function gitHttpRoutes(ctx: Context, bodyLimit: number): FastifyPluginAsync {
  return async (app) => {
    const limits = httpSettings(ctx);
    const slots = new Slots(limits.gitBackendProcesses);
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    app.route<{ Params: { '*': string } }>({
      method: ['GET', 'POST'],
      url: '/git/*',
      schema: { hide: true },
      config: { streamBodyLimit: bodyLimit },
      handler: async (req: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) => {
        const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
        const rest = req.params['*'];
        checkService(rest, query);
        const pathInfo = await repositoryPath(ctx, rest);
        const body = req.method === 'POST' ? (req.body as Readable | undefined) ?? null : null;
        const gone = new AbortController();
        const onClose = (): void => {
          if (!reply.raw.writableFinished) gone.abort();
        };
        reply.raw.once('close', onClose);
        // A body that fails while the request waits for a git process (too slow, too large) ends the wait.
        const onBodyError = (): void => gone.abort();
        body?.once('error', onBodyError);
        const release = await slots.acquire(gone.signal, 2 * limits.bodyIdleTimeoutMs);
        body?.off('error', onBodyError);
        if (release === null) {
          reply.raw.off('close', onClose);
          throw body?.errored ?? new DistforgeError('busy', `all ${slots.size} git processes are busy; try again`, { status: 503 });
        }
        let res: CgiResponse;
        try {
          res = await runHttpBackend(gitRoot(ctx.settings.dataDir), {
            method: req.method,
            pathInfo,
            query,
            contentType: header(req, 'content-type'),
            contentEncoding: header(req, 'content-encoding'),
            contentLength: header(req, 'content-length'),
            gitProtocol: header(req, 'git-protocol'),
            remoteAddr: req.ip,
            body,
            maxRequestBytes: bodyLimit,
            signal: gone.signal,
          });
        } catch (e) {
          release();
          throw e;
        }
        void res.exited.finally(() => {
          release();
          reply.raw.off('close', onClose);
        });
        if (res.status >= 400) throw await cgiError(res);
        return reply.code(res.status).headers(res.headers).send(res.body);
      },
    });
  };
}
