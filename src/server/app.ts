/**
 * The master's HTTP application: Fastify with the REST API under /api/v1, its OpenAPI 3 document
 * at /api/v1/openapi.json (generated from the routes' request and response schemas), the auth hook
 * that sets `request.principal`, and the one error handler that answers `{ code, message }` —
 * also for errors before routing and on the connection. Bodies are validated strictly
 * (validation.ts), guarded against slow senders (body-guard.ts), and request headers must arrive
 * within the headers timeout (http-settings.ts).
 *
 * Routes: health, platforms, nodes, users, tokens (routes/), builds (routes/builds.ts), the
 * node API (routes/node-api.ts), the git service, the lookaside store and the artifact store's
 * garbage collection (routes/store.ts), all under /api/v1; the git mirrors over smart HTTP at
 * /git/; the release repositories at /repos/; the web UI at / (routes/ui.ts; every other path
 * takes precedence).
 *
 * `buildApp` only wires; it neither listens nor opens anything: the caller owns `ctx` and closes
 * the app (`app.close()`), then the database.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { COMPLETION_HOOK_KINDS, currentRepomds, decorateLease, onTaskCompleted } from '../builds/index.ts';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import type { Task, TaskKind } from '../db/schema.ts';
import { ofBuild, type LeasedTask } from '../scheduler/index.ts';
import { publishRelease, releaseRepomdLease, verifyReleaseSignatures } from '../releases/index.ts';
import { recordRepomdSignatures, recordSignatures, repomdLease, signLease, verifyRepomdSignatures, verifySignatures, type RepomdToSign } from '../signing/index.ts';
import { registerAuth } from './auth.ts';
import { registerBodyGuard } from './body-guard.ts';
import { closeQuietConnectionsWhileClosing } from './close-connections.ts';
import { clientErrorHandler, errorHandler, notFoundHandler } from './errors.ts';
import { httpSettings } from './http-settings.ts';
import { requestValidators } from './validation.ts';
import { buildRoutes } from './routes/builds.ts';
import { errataRoutes } from './routes/errata.ts';
import { gitHttpRoutes, gitRoutes } from './routes/git.ts';
import { healthRoutes, VERSION } from './routes/health.ts';
import { logStreamRoutes } from './routes/log-stream.ts';
import { lookasideRoutes } from './routes/lookaside.ts';
import { platformRepoRoutes } from './routes/platform-repos.ts';
import { releaseRoutes } from './routes/releases.ts';
import { releaseRepoFileRoutes } from './routes/release-repo-files.ts';
import { repoRoutes } from './routes/repos.ts';
import { signingRoutes } from './routes/signing.ts';
import { storeRoutes } from './routes/store.ts';
import { nodeApiRoutes } from './routes/node-api.ts';
import { nodeRoutes } from './routes/nodes.ts';
import { platformRoutes } from './routes/platforms.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { testingRoutes } from './routes/testing.ts';
import { userRoutes } from './routes/users.ts';
import { uiPagesOrNotFound, uiRoutes } from './routes/ui.ts';
import { loadUiBundle, type UiBundle } from './ui-bundle.ts';

/** A lease as the builds, signing and release domains describe it. */
async function decorateAnyLease(ctx: Context, task: Task): Promise<Partial<LeasedTask>> {
  if (task.kind !== 'sign' && task.kind !== 'sign-repo') return decorateLease(ctx, task);
  // A signer needs the key (and for repository metadata, the repomd.xml files), not repositories
  // to build against.
  const sign = await signLease(ctx, task);
  const repomd = task.kind === 'sign-repo' ? { repomd: await repomdsToSign(ctx, task) } : {};
  return { ...(sign && { sign }), ...repomd };
}

/** A sign-repo lease's repomd.xml files (a build's repositories, or a release's staged versions);
 * none (the signer then fails the task) when they cannot be published. */
async function repomdsToSign(ctx: Context, task: Task): Promise<RepomdToSign[]> {
  try {
    if (task.release_id !== null) return await releaseRepomdLease(ctx, task);
    return await repomdLease(ctx, await currentRepomds(ctx, ofBuild(task).build_id, task.platform));
  } catch (e) {
    ctx.log.error({ taskId: task.id, buildId: task.build_id, platform: task.platform, err: e }, 'cannot publish the repositories whose metadata a sign-repo task signs');
    return [];
  }
}

/** How a task's uploads are taken: a sign task's packages are signed copies of indexed ones (same
 * header), checked at completion and not indexed again; a sign-repo task uploads nothing. */
function anyUploadPolicy(task: Task): { indexRpms: boolean } {
  if (task.kind === 'sign-repo') throw new UsageError('a sign-repo task uploads nothing: its signatures go with its completion');
  return { indexRpms: task.kind !== 'sign' };
}

/** What a task's completion checks before its transaction (the signing domain: what was signed). */
async function prepareAnyCompletion(ctx: Context, task: Task, result: unknown): Promise<unknown> {
  if (task.kind === 'sign') return verifySignatures(ctx, task);
  if (task.kind === 'sign-repo' && task.release_id !== null) return verifyReleaseSignatures(ctx, task, result);
  if (task.kind === 'sign-repo') return verifyRepomdSignatures(ctx, task, result, await currentRepomds(ctx, ofBuild(task).build_id, task.platform));
  return undefined;
}

/** Kinds whose completion neither hook here touches (the signing domain's two kinds, the builds
 * domain's COMPLETION_HOOK_KINDS): the scheduler may complete them in one statement. */
const SIGNING_KINDS: readonly TaskKind[] = ['sign', 'sign-repo'];
const HOOKLESS_KINDS: readonly TaskKind[] = (['srpm', 'rpm', 'test', 'sign', 'sign-repo'] satisfies TaskKind[]).filter(
  (k) => !SIGNING_KINDS.includes(k) && !COMPLETION_HOOK_KINDS.includes(k),
);

/** A task's completion as the builds and signing domains record it (inside its transaction). */
async function onAnyTaskSucceeded(ctx: Context, task: Task, prepared: unknown): Promise<void> {
  if (task.kind === 'sign') await recordSignatures(ctx, task, prepared);
  else if (task.kind === 'sign-repo' && task.release_id !== null) await publishRelease(ctx, task, prepared);
  else if (task.kind === 'sign-repo') await recordRepomdSignatures(ctx, task, prepared);
  else await onTaskCompleted(ctx, task);
}

/** Largest request body by default (16 MiB); routes that stream a file set their own. */
const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

/** Where the REST API lives; every route plugin is registered under it. */
export const API_PREFIX = '/api/v1';

export interface AppOptions {
  /** More route plugins, registered under /api/v1 after the built-in ones. */
  extraRoutes?: FastifyPluginAsync[];
  /** Largest request body accepted by default, in bytes (routes may allow more). Default 16 MiB. */
  bodyLimit?: number;
  /** The web UI served at / (default: made from src/ui now, or the cached bundle: ui-bundle.ts). */
  ui?: UiBundle;
}

/** Builds the application (not listening yet). */
export async function buildApp(ctx: Context, options: AppOptions = {}): Promise<FastifyInstance> {
  const limits = httpSettings(ctx);
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Unknown fields are refused (not silently dropped); bodies are not coerced, query strings are.
    schemaController: { compilersFactory: { buildValidator: requestValidators() } },
    routerOptions: { ignoreTrailingSlash: true },
    // Node checks the headers timeout on this interval: a fraction of it, so it holds closely.
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(limits.headersTimeoutMs / 4))) },
    frameworkErrors: errorHandler,
    clientErrorHandler,
  });
  app.setErrorHandler(errorHandler);
  // The web UI's pages answer the paths no route serves (routes/ui.ts); the rest is a JSON 404.
  const ui = options.ui ?? (await loadUiBundle(ctx.log));
  app.setNotFoundHandler(uiPagesOrNotFound(ui, notFoundHandler));
  // Until the system is ready (`up` still starting), only the health check and the platform
  // repositories (which `up` itself reads to make the first root) answer.
  app.addHook('onRequest', async (request, reply) => {
    const open = [`${API_PREFIX}/health`, `${API_PREFIX}/platform-repos/`].some((p) => request.url.startsWith(p));
    if (ctx.settings.starting !== undefined && request.url.startsWith(API_PREFIX) && !open) {
      return reply.code(503).header('retry-after', '5').send({ code: 'starting', message: `${ctx.settings.starting}; try again in a moment` });
    }
    return undefined;
  });
  closeQuietConnectionsWhileClosing(app);
  registerAuth(app, ctx);
  registerBodyGuard(app, limits.bodyIdleTimeoutMs);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'distforge',
        version: VERSION,
        description: 'The distforge master: platforms, nodes, users and tokens, builds, and the node API. Errors are { code, message }.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a user token (df_…) or a node token' } } },
    },
  });
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, () => app.swagger());
  const routes: FastifyPluginAsync[] = [
    healthRoutes(ctx),
    platformRoutes(ctx),
    nodeRoutes(ctx),
    userRoutes(ctx),
    tokenRoutes(ctx),
    buildRoutes(ctx),
    logStreamRoutes(ctx),
    testingRoutes(ctx),
    // The builds domain adds the build repositories to each lease and fans an SRPM out to its
    // arches; the signing domain adds the key to a sign task's lease and records its signatures.
    nodeApiRoutes(ctx, {
      decorateLease: decorateAnyLease, uploadPolicy: anyUploadPolicy, prepareCompletion: prepareAnyCompletion, onTaskSucceeded: onAnyTaskSucceeded, hooklessKinds: HOOKLESS_KINDS,
    }),
    signingRoutes(ctx),
    gitRoutes(ctx),
    lookasideRoutes(ctx),
    platformRepoRoutes(ctx),
    releaseRoutes(ctx),
    releaseRepoFileRoutes(ctx),
    errataRoutes(ctx),
    storeRoutes(ctx),
    ...(options.extraRoutes ?? []),
  ];
  for (const plugin of routes) await app.register(plugin, { prefix: API_PREFIX });
  // The git mirrors, served read-only over smart HTTP (git clone http://HOST/git/NAME.git).
  await app.register(gitHttpRoutes(ctx, options.bodyLimit ?? DEFAULT_BODY_LIMIT));
  // The release repositories for dnf clients (/repos/…).
  await app.register(repoRoutes(ctx));
  // The web UI at / and its assets at /assets/ (its other pages: the not-found handler above).
  await app.register(uiRoutes(ui));
  return app;
}

