/**
 * /api/v1/platforms/NAME/release-repos/REPO/groups and …/modules: a release repository's comps.xml
 * and modules.yaml (src/releases/repo-files.ts). Admins put (the raw file as the body), read and
 * remove them; the repository's next versions carry them. Its own plugin: the raw-body parser
 * it adds applies to these routes only.
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { deleteRepoFile, getRepoFile, REPO_FILE_KINDS, REPO_FILE_MAX_BYTES, setRepoFile } from '../../releases/index.ts';
import type { RepoFileKind } from '../../releases/schema.ts';
import { errorResponses } from '../errors.ts';
import { requireUser } from '../principal.ts';
import { line, nameString } from './schema-parts.ts';

const tags = ['releases'];
const security = [{ bearer: [] }];
/** Content types a comps or modules file may be sent as. */
const RAW_TYPES = ['application/xml', 'text/xml', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain', 'application/octet-stream'];

const params = {
  type: 'object',
  required: ['name', 'repo', 'kind'],
  properties: { name: nameString, repo: line(64, { minLength: 1 }), kind: { type: 'string', enum: REPO_FILE_KINDS, description: 'groups (comps.xml) or modules (modules.yaml)' } },
} as const;

const fileSchema = {
  type: 'object',
  required: ['platform', 'repo', 'kind', 'sha256', 'size', 'updatedBy', 'updatedAt'],
  properties: { platform: { type: 'string' }, repo: { type: 'string' }, kind: { type: 'string' }, sha256: { type: 'string' }, size: { type: 'integer' }, updatedBy: { type: 'string', nullable: true }, updatedAt: { type: 'integer' } },
} as const;

type Params = { name: string; repo: string; kind: RepoFileKind };

export function releaseRepoFileRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser(RAW_TYPES, { parseAs: 'buffer', bodyLimit: REPO_FILE_MAX_BYTES }, (_req, body, done) => done(null, body));

    app.put<{ Params: Params; Body: Buffer }>('/platforms/:name/release-repos/:repo/:kind', {
      schema: {
        tags, security, params,
        summary: "Set a release repository's comps.xml (groups) or modules.yaml (modules), checked, passed through into its binary channels' next versions (admin); publish it with a release (republish)",
        consumes: RAW_TYPES,
        response: { 200: fileSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    }, async (req) => {
      const user = requireUser(req.principal, 'admin');
      if (!Buffer.isBuffer(req.body)) throw new UsageError(`send the file itself as the body (Content-Type ${RAW_TYPES.slice(0, 3).join(', ')} …)`);
      return setRepoFile(ctx, { platform: req.params.name, repo: req.params.repo, kind: req.params.kind, content: req.body, userId: user.userId });
    });

    app.get<{ Params: Params }>('/platforms/:name/release-repos/:repo/:kind', {
      schema: { tags, params, summary: "A release repository's comps.xml or modules.yaml, as given (its record with ?info)", response: { ...errorResponses(400, 404, 409) } },
    }, async (req, reply) => {
      const f = await getRepoFile(ctx, req.params.name, req.params.repo, req.params.kind);
      return reply.type(req.params.kind === 'groups' ? 'application/xml' : 'application/yaml').header('x-sha256', f.sha256).send(ctx.store.open(f.sha256));
    });

    app.delete<{ Params: Params }>('/platforms/:name/release-repos/:repo/:kind', {
      schema: { tags, security, params, summary: "Remove a release repository's comps.xml or modules.yaml: its next versions have none (admin)", response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      await deleteRepoFile(ctx, req.params.name, req.params.repo, req.params.kind);
      return reply.code(204).send();
    });
  };
}
