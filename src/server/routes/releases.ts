/**
 * /api/v1/releases: release plans, their checks, commits, reverts and the history; and each
 * platform's release repositories with their versions (/api/v1/platforms/NAME/release-repos).
 * Anyone may read (releases are public); maintainers make and edit plans; admins commit and
 * revert.
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';
import {
  channelContent,
  channelViews,
  commitRelease,
  createPlan,
  createPromotion,
  deletePlan,
  editPlan,
  listReleases,
  releaseView,
  requireAdvisory,
  revertRelease,
  versionDetail,
  type PlanEdit,
} from '../../releases/index.ts';
import { errorResponses } from '../errors.ts';
import { requireUser } from '../principal.ts';
import { advisoryString, channelContentSchema, channelSchema, listQuery, nevraString, planBody, promotionBody, releaseSchema, versionDetailSchema } from './releases-schemas.ts';
import { freeText, idInteger, idParams, line, nameParams, nameString } from './schema-parts.ts';

const tags = ['releases'];
const security = [{ bearer: [] }];

type ListQuery = { platform?: string; state?: 'planned' | 'publishing' | 'released' | 'reverted'; limit: number; offset: number };

export function releaseRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: { platform: string; builds?: number[]; advisories?: string[]; republish?: string[]; note?: string } }>('/releases', {
      schema: { tags, security, summary: 'Plan a release: every package of the builds placed in release repositories, with the checks (maintainer)', body: planBody, response: { 201: releaseSchema, ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req, reply) => {
      const user = requireUser(req.principal, 'maintainer');
      const id = await createPlan(ctx, { platform: req.body.platform, builds: req.body.builds ?? [], ...(req.body.advisories && { advisories: req.body.advisories }), ...(req.body.republish && { republish: req.body.republish }), ...(req.body.note !== undefined && { note: req.body.note }), userId: user.userId }, requireAdvisory);
      return reply.code(201).send(await releaseView(ctx, id));
    });

    app.post<{ Body: { platform: string; from: string; packages?: string[]; note?: string } }>('/releases/promotions', {
      schema: { tags, security, summary: 'Plan a promotion: the packages a release repository with promoteTo holds and its target does not, with the checks (soak: promoteAfterDays) (maintainer)', body: promotionBody, response: { 201: releaseSchema, ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req, reply) => {
      const user = requireUser(req.principal, 'maintainer');
      const id = await createPromotion(ctx, { platform: req.body.platform, from: req.body.from, ...(req.body.packages && { packages: req.body.packages }), ...(req.body.note !== undefined && { note: req.body.note }), userId: user.userId });
      return reply.code(201).send(await releaseView(ctx, id));
    });

    app.get<{ Querystring: ListQuery }>('/releases', {
      schema: { tags, summary: 'The history of releases, newest first', querystring: listQuery, response: { 200: { type: 'array', items: releaseSchema }, ...errorResponses(400) } },
    }, (req) => listReleases(ctx, req.query));

    app.get<{ Params: { id: number } }>('/releases/:id', {
      schema: { tags, summary: 'A release: its packages, where each goes and why, its checks (run now for a planned one) and the versions it made', params: idParams, response: { 200: releaseSchema, ...errorResponses(400, 404) } },
    }, (req) => releaseView(ctx, req.params.id));

    app.delete<{ Params: { id: number } }>('/releases/:id', {
      schema: { tags, security, summary: 'Delete a plan never committed (maintainer)', params: idParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req, reply) => {
      requireUser(req.principal, 'maintainer');
      await deletePlan(ctx, req.params.id);
      return reply.code(204).send();
    });

    const edit = async (id: number, change: PlanEdit): Promise<unknown> => {
      await editPlan(ctx, id, change, requireAdvisory);
      return releaseView(ctx, id);
    };

    app.post<{ Params: { id: number }; Body: { build: number } }>('/releases/:id/builds', {
      schema: { tags, security, summary: 'Add a build to a plan (maintainer)', params: idParams, body: { type: 'object', required: ['build'], additionalProperties: false, properties: { build: idInteger } }, response: { 200: releaseSchema, ...errorResponses(400, 401, 403, 404, 409) } },
    }, (req) => {
      requireUser(req.principal, 'maintainer');
      return edit(req.params.id, { kind: 'add-build', buildId: req.body.build });
    });

    app.post<{ Params: { id: number }; Body: { package: string; repo: string } }>('/releases/:id/moves', {
      schema: {
        tags, security, summary: "Move a binary package of a plan to another release repository (its debuginfo and SRPM follow) (maintainer)", params: idParams,
        body: { type: 'object', required: ['package', 'repo'], additionalProperties: false, properties: { package: nevraString, repo: line(64, { minLength: 1 }) } },
        response: { 200: releaseSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => {
      const user = requireUser(req.principal, 'maintainer');
      return edit(req.params.id, { kind: 'move', package: req.body.package, repo: req.body.repo, userName: user.name });
    });

    app.post<{ Params: { id: number }; Body: { package: string } }>('/releases/:id/drops', {
      schema: { tags, security, summary: 'Drop a package from a plan (maintainer)', params: idParams, body: { type: 'object', required: ['package'], additionalProperties: false, properties: { package: nevraString } }, response: { 200: releaseSchema, ...errorResponses(400, 401, 403, 404, 409) } },
    }, (req) => {
      requireUser(req.principal, 'maintainer');
      return edit(req.params.id, { kind: 'drop', package: req.body.package });
    });

    app.post<{ Params: { id: number }; Body: { advisory: string } }>('/releases/:id/advisories', {
      schema: { tags, security, summary: 'Add an approved advisory to a plan (maintainer)', params: idParams, body: { type: 'object', required: ['advisory'], additionalProperties: false, properties: { advisory: advisoryString } }, response: { 200: releaseSchema, ...errorResponses(400, 401, 403, 404, 409) } },
    }, (req) => {
      requireUser(req.principal, 'maintainer');
      return edit(req.params.id, { kind: 'add-advisory', advisory: req.body.advisory });
    });

    app.delete<{ Params: { id: number; advisory: string } }>('/releases/:id/advisories/:advisory', {
      schema: { tags, security, summary: 'Take an advisory out of a plan (maintainer)', params: { type: 'object', required: ['id', 'advisory'], properties: { id: idInteger, advisory: advisoryString } }, response: { 200: releaseSchema, ...errorResponses(400, 401, 403, 404, 409) } },
    }, (req) => {
      requireUser(req.principal, 'maintainer');
      return edit(req.params.id, { kind: 'drop-advisory', advisory: req.params.advisory });
    });

    app.post<{ Params: { id: number }; Body: { force?: boolean; note?: string } | undefined }>('/releases/:id/commit', {
      schema: {
        tags, security, summary: 'Commit a release: checks again, stages the new repository versions and asks the sign server to sign them; they are published together once signed (admin)', params: idParams,
        body: { type: 'object', nullable: true, additionalProperties: false, properties: { force: { type: 'boolean', description: 're-release a NEVRA or release an older version beside a newer one' }, note: freeText(4000) } },
        response: { 202: releaseSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => {
      const user = requireUser(req.principal, 'admin');
      await commitRelease(ctx, req.params.id, { force: req.body?.force === true, userId: user.userId });
      return reply.code(202).send(await releaseView(ctx, req.params.id, false));
    });

    app.post<{ Params: { id: number } }>('/releases/:id/revert', {
      schema: { tags, security, summary: 'Revert a released release: every repository it changed serves the version before it again (admin)', params: idParams, response: { 200: releaseSchema, ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req) => {
      const user = requireUser(req.principal, 'admin');
      await revertRelease(ctx, req.params.id, user.userId);
      return releaseView(ctx, req.params.id, false);
    });

    app.get<{ Params: { name: string } }>('/platforms/:name/release-repos', {
      schema: { tags, summary: "A platform's release repositories: each channel (REPO/ARCH, REPO/ARCH/debug, REPO/Source) with its current version and the versions kept", params: nameParams, response: { 200: { type: 'array', items: channelSchema }, ...errorResponses(400, 404, 409) } },
    }, (req) => channelViews(ctx, req.params.name));

    app.get<{ Params: { name: string; repo: string; number: number }; Querystring: { channel: string } }>('/platforms/:name/release-repos/:repo/versions/:number', {
      schema: {
        tags, summary: 'One version of a channel and what it changed against the one it was made from', params: { type: 'object', required: ['name', 'repo', 'number'], properties: { name: nameString, repo: line(64, { minLength: 1 }), number: idInteger } },
        querystring: { type: 'object', required: ['channel'], additionalProperties: false, properties: { channel: line(64, { minLength: 1, description: 'ARCH, ARCH/debug or Source' }) } },
        response: { 200: versionDetailSchema, ...errorResponses(400, 404) },
      },
    }, (req) => versionDetail(ctx, req.params.name, req.params.repo, req.query.channel, req.params.number));

    app.get<{ Params: { name: string; repo: string }; Querystring: { channel: string; name?: string; limit?: number; offset?: number } }>('/platforms/:name/release-repos/:repo/packages', {
      schema: {
        tags, summary: 'What a channel serves now: its current version\'s packages by name, a page at a time', params: { type: 'object', required: ['name', 'repo'], properties: { name: nameString, repo: line(64, { minLength: 1 }) } },
        querystring: {
          type: 'object', required: ['channel'], additionalProperties: false,
          properties: {
            channel: line(64, { minLength: 1, description: 'ARCH, ARCH/debug or Source' }),
            name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._+~^-]+$', description: 'only packages whose name starts with this' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            offset: { type: 'integer', minimum: 0, maximum: 2_147_483_647, default: 0 },
          },
        },
        response: { 200: channelContentSchema, ...errorResponses(400, 404, 409) },
      },
    }, (req) => channelContent(ctx, req.params.name, req.params.repo, req.query.channel, req.query));
  };
}
