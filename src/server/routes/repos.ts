/**
 * The release repositories for dnf clients, at stable URLs outside the API (anyone may read):
 * /repos/PLATFORM.repo (a .repo file), /repos/PLATFORM/REPO/ARCH/ (the current version),
 * …/ARCH/debug/, …/Source/, and …/@N/ (an older version, while kept). What each path points at is
 * src/releases/serve.ts's business; this file only checks the path and streams the file.
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';
import { NotFoundError } from '../../errors.ts';
import { releaseRepoFile, releaseRepoFileText } from '../../releases/index.ts';
import { errorResponses } from '../errors.ts';
import { repoFilePath, sendRepoFile } from '../repo-files.ts';
import { line, nameString } from './schema-parts.ts';

const tags = ['releases'];

export function repoRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { file: string } }>('/repos/:file', {
      schema: { tags, summary: "A platform's .repo file (/repos/PLATFORM.repo): its release repositories with gpgcheck and repo_gpgcheck on", params: { type: 'object', required: ['file'], properties: { file: line(140, { minLength: 6 }) } }, response: { 200: { type: 'string' }, ...errorResponses(400, 404) } },
    }, async (req, reply) => {
      const m = /^(.+)\.repo$/.exec(req.params.file);
      if (!m?.[1]) throw new NotFoundError(`no such file: /repos/${req.params.file} (a platform's .repo file is /repos/PLATFORM.repo)`);
      return reply.type('text/plain; charset=utf-8').send(await releaseRepoFileText(ctx, m[1]));
    });

    app.get<{ Params: { platform: string; repo: string; '*': string } }>('/repos/:platform/:repo/*', {
      schema: {
        tags, summary: 'A file of a release repository: ARCH/repodata/…, ARCH/debug/…, Source/…, ARCH/@N/… (an older version), …/Packages/…',
        params: { type: 'object', required: ['platform', 'repo', '*'], properties: { platform: nameString, repo: line(64, { minLength: 1 }), '*': line(1024) } },
        produces: ['application/octet-stream'],
        response: { 200: { type: 'string', format: 'binary' }, ...errorResponses(400, 404) },
      },
    }, async (req, reply) => {
      const what = `release repository ${req.params.platform}/${req.params.repo}`;
      const served = await releaseRepoFile(ctx, req.params.platform, req.params.repo, repoFilePath(req.params['*'], what));
      return sendRepoFile(reply, served.dir, served.parts, what);
    });
  };
}
