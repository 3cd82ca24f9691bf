/**
 * Repositories this master serves for its platforms (`/api/v1/platform-repos/NAME/ARCH/…`, read
 * by anyone, as a mirror would): the directory `platformReposDir` (default DATA/platform-repos)
 * holds NAME/ARCH/ repositories, e.g. the bootstrap repository `distforge up` makes. A platform
 * names one by its path (`url: /api/v1/platform-repos/bootstrap-el9/$basearch/`), which the master
 * makes absolute with its public URL for nodes (platformForLease in src/platforms).
 */
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';
import { NotFoundError } from '../../errors.ts';
import { nameProblem } from '../../platforms/names.ts';
import { platformReposDir } from '../../platforms/repos-dir.ts';
import { errorResponses } from '../errors.ts';
import { repoFilePath, sendRepoFile } from '../repo-files.ts';
import { line, nameString } from './schema-parts.ts';

const tags = ['platforms'];

export { platformReposDir };

export function platformRepoRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    type Params = { name: string; arch: string; '*': string };
    app.get<{ Params: Params }>('/platform-repos/:name/:arch/*', {
      schema: {
        tags,
        summary: 'A file of a repository this master serves for platforms (repodata/…, packages); anyone may read it',
        params: { type: 'object', required: ['name', 'arch', '*'], properties: { name: nameString, arch: nameString, '*': line(1024) } },
        response: errorResponses(400, 404),
      },
    }, async (req, reply) => {
      const { name, arch } = req.params;
      if (nameProblem(name) !== null || nameProblem(arch) !== null) throw new NotFoundError(`no platform repository ${name}/${arch}`);
      const what = `the platform repository ${name}/${arch}`;
      return sendRepoFile(reply, join(platformReposDir(ctx), name, arch), repoFilePath(req.params['*'], what), what);
    });
  };
}
