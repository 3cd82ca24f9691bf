/**
 * /api/v1/errata: advisories (src/errata). Maintainers create, edit and delete drafts; admins
 * approve and retract; only the release system releases. Anyone reads what is or was released
 * (the list, one advisory, its OSV document, a platform's feed); drafts and approved advisories,
 * which may describe embargoed security fixes, need a user token.
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';
import {
  ADVISORY_ID_PATTERN, ADVISORY_STATES, ADVISORY_TYPES, approveAdvisory, createAdvisory, deleteDraft, ERRATA_LIMITS as L, getAdvisory, isPublic, listAdvisories,
  platformAdvisories, REFERENCE_TYPES, retractAdvisory, SEVERITIES, toOsv, updateAdvisory,
  type AdvisoryFilter, type AdvisoryRecord, type CreateAdvisoryInput, type UpdateAdvisoryInput,
} from '../../errata/index.ts';
import { getPlatform } from '../../platforms/store.ts';
import { errorResponses } from '../errors.ts';
import { requireUser, UnauthorizedError, type Principal } from '../principal.ts';
import { freeText, line, MAX_INT, nameParams, nameString } from './schema-parts.ts';

const tags = ['errata'];
const security = [{ bearer: [] }];
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const nullableInt = { type: 'integer', nullable: true } as const;
const nullableStr = { type: 'string', nullable: true } as const;

const advisoryId = { type: 'string', maxLength: 32, pattern: ADVISORY_ID_PATTERN, description: 'e.g. DFSA-2026:0001' } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: advisoryId } } as const;
const type = { type: 'string', enum: ADVISORY_TYPES } as const;
const severity = { type: 'string', enum: SEVERITIES } as const;
const state = { type: 'string', enum: ADVISORY_STATES } as const;
const nevra = line(L.nevra, { minLength: 1, description: 'name-[epoch:]version-release.arch of a built package of the platform' });
const nevras = { type: 'array', maxItems: L.packages, items: nevra } as const;
const text = freeText(L.text);

const referenceInput = {
  type: 'object',
  required: ['type', 'id'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', enum: REFERENCE_TYPES },
    id: line(L.refId, { minLength: 1, description: 'CVE-2026-1234, a bug number, RHSA-2026:1234, …' }),
    href: line(L.href, { minLength: 1, description: 'an http(s) URL; required for self and other' }),
    title: line(L.refId, { minLength: 1 }),
  },
} as const;
const references = { type: 'array', maxItems: L.references, items: referenceInput } as const;

const createBody = {
  type: 'object',
  required: ['platform', 'type', 'title', 'packages'],
  additionalProperties: false,
  properties: {
    platform: nameString,
    type,
    severity: { ...severity, description: 'required for security' },
    title: line(L.title, { minLength: 1 }),
    description: text,
    solution: text,
    rebootSuggested: { type: 'boolean' },
    references,
    packages: { ...nevras, minItems: 1 },
  },
} as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'a released advisory takes only addReferences, description and solution',
  properties: {
    type: { ...type, description: 'only within the id\'s letter: enhancement ↔ newpackage' },
    severity: { type: 'string', enum: [...SEVERITIES, null], nullable: true, description: 'null removes it (not for security)' },
    title: createBody.properties.title,
    description: text,
    solution: text,
    rebootSuggested: { type: 'boolean' },
    references: { ...references, description: 'replaces the list' },
    addReferences: references,
    packages: { ...nevras, minItems: 1, description: 'replaces the list' },
    addPackages: nevras,
    removePackages: nevras,
  },
} as const;

const referenceSchema = { type: 'object', required: ['type', 'id', 'href', 'title'], properties: { type: str, id: str, href: nullableStr, title: nullableStr } } as const;
const packageSchema = {
  type: 'object',
  required: ['nevra', 'name', 'epoch', 'version', 'release', 'arch', 'source'],
  properties: {
    nevra: str, name: str, epoch: nullableInt, version: str, release: str, arch: str,
    source: { type: 'object', required: ['name', 'version', 'release'], properties: { name: str, version: str, release: str }, description: 'the source package it was built from' },
  },
} as const;
const summaryProperties = {
  id: str, platform: str, type, severity: { ...severity, nullable: true }, title: str, state,
  createdAt: int, modifiedAt: int, issuedAt: nullableInt, updatedAt: nullableInt,
} as const;
const advisorySchema = {
  type: 'object',
  required: [...Object.keys(summaryProperties), 'description', 'solution', 'rebootSuggested', 'references', 'packages', 'createdBy', 'approvedBy', 'approvedAt', 'retractedBy', 'retractedAt', 'retractionReason', 'releaseId'],
  properties: {
    ...summaryProperties,
    description: str, solution: str, rebootSuggested: { type: 'boolean' },
    references: { type: 'array', items: referenceSchema },
    packages: { type: 'array', items: packageSchema },
    createdBy: str, approvedBy: nullableStr, approvedAt: nullableInt, retractedBy: nullableStr, retractedAt: nullableInt, retractionReason: nullableStr,
    releaseId: { ...nullableInt, description: 'the release that first published it' },
  },
} as const;
const pageSchema = {
  type: 'object',
  required: ['advisories', 'total', 'limit', 'offset'],
  properties: {
    advisories: {
      type: 'array',
      items: {
        type: 'object',
        required: [...Object.keys(summaryProperties), 'cves', 'sourcePackages'],
        properties: { ...summaryProperties, cves: { type: 'array', items: str }, sourcePackages: { type: 'array', items: str, description: 'the source packages it covers, each once' } },
      },
    },
    total: int, limit: int, offset: int,
  },
} as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    platform: nameString, type, state,
    cve: line(L.refId, { minLength: 1, description: 'advisories fixing this CVE' }),
    package: line(L.nevra, { minLength: 1, description: 'advisories covering a binary or source package of this name' }),
    q: line(L.nevra, { description: 'search: an advisory id or its start (DFSA-2026), a CVE id (any case), or a package name (binary or source) or NEVRA; blank searches nothing' }),
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: { type: 'integer', minimum: 0, maximum: MAX_INT, default: 0 },
  },
} as const;
const osvSchema = { type: 'object', additionalProperties: true, description: 'an OSV 1.6 document (https://ossf.github.io/osv-schema/)' } as const;
const retractBody = { type: 'object', nullable: true, additionalProperties: false, properties: { reason: line(L.reason, { minLength: 1 }) } } as const;

/** Drafts and approved advisories are for users; what is or was released, for anyone. @throws UnauthorizedError */
function checkRead(p: Principal, a: AdvisoryRecord): void {
  if (isPublic(a) || p.kind === 'user') return;
  throw new UnauthorizedError(`advisory ${a.id} is not released: a user token is required`);
}

export function errataRoutes(ctx: Context): FastifyPluginAsync {
  const selfUrl = (id: string): string => `${ctx.settings.publicUrl}/api/v1/errata/${id}`;
  return async (app) => {
    app.post<{ Body: CreateAdvisoryInput }>('/errata', {
      schema: { tags, summary: 'Create a draft advisory (maintainer); its id is numbered for the platform\'s prefix, type and year', security, body: createBody, response: { 201: advisorySchema, ...errorResponses(400, 401, 403, 404, 422) } },
    }, async (req, reply) => {
      const user = requireUser(req.principal, 'maintainer');
      return reply.code(201).send(await createAdvisory(ctx, user.userId, req.body));
    });

    app.get<{ Querystring: Omit<AdvisoryFilter, 'publicOnly'> }>('/errata', {
      schema: { tags, summary: 'List advisories, newest first, filtered, searched (q: an advisory id or its start, a CVE id, a package name or NEVRA); anonymous callers see released ones', querystring: listQuery, response: { 200: pageSchema, ...errorResponses(400, 401) } },
    }, (req) => listAdvisories(ctx, { ...req.query, publicOnly: req.principal.kind !== 'user' }));

    app.get<{ Params: { id: string } }>('/errata/:id', {
      schema: { tags, summary: 'Show an advisory with its references and packages', params: idParams, response: { 200: advisorySchema, ...errorResponses(400, 401, 404) } },
    }, async (req) => {
      const a = await getAdvisory(ctx, req.params.id);
      checkRead(req.principal, a);
      return a;
    });

    app.get<{ Params: { id: string } }>('/errata/:id/osv', {
      schema: { tags, summary: 'An advisory as an OSV 1.6 document', params: idParams, response: { 200: osvSchema, ...errorResponses(400, 401, 404) } },
    }, async (req) => {
      const a = await getAdvisory(ctx, req.params.id);
      checkRead(req.principal, a);
      return toOsv(a, await getPlatform(ctx, a.platform), { selfUrl: selfUrl(a.id) });
    });

    app.patch<{ Params: { id: string }; Body: UpdateAdvisoryInput }>('/errata/:id', {
      schema: { tags, summary: 'Change an advisory (maintainer); an approved one becomes a draft again', security, params: idParams, body: updateBody, response: { 200: advisorySchema, ...errorResponses(400, 401, 403, 404, 409, 422) } },
    }, async (req) => {
      const user = requireUser(req.principal, 'maintainer');
      return updateAdvisory(ctx, req.params.id, req.body, user.userId);
    });

    app.delete<{ Params: { id: string } }>('/errata/:id', {
      schema: { tags, summary: 'Delete a draft advisory (maintainer)', security, params: idParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req, reply) => {
      const user = requireUser(req.principal, 'maintainer');
      await deleteDraft(ctx, req.params.id, user.userId);
      return reply.code(204).send();
    });

    app.post<{ Params: { id: string } }>('/errata/:id/approve', {
      schema: { tags, summary: 'Approve a draft advisory (admin): the release system may then release it', security, params: idParams, response: { 200: advisorySchema, ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req) => {
      const user = requireUser(req.principal, 'admin');
      await approveAdvisory(ctx, req.params.id, user.userId);
      return getAdvisory(ctx, req.params.id);
    });

    app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>('/errata/:id/retract', {
      schema: { tags, summary: 'Retract an approved or released advisory (admin); new repository versions leave it out', security, params: idParams, body: retractBody, response: { 200: advisorySchema, ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req) => {
      const user = requireUser(req.principal, 'admin');
      await retractAdvisory(ctx, req.params.id, user.userId, req.body?.reason ?? null);
      return getAdvisory(ctx, req.params.id);
    });

    app.get<{ Params: { name: string } }>('/platforms/:name/errata', {
      schema: {
        tags, summary: 'The feed of a platform\'s advisories: every released one, and those retracted after their release, oldest first', params: nameParams,
        response: { 200: { type: 'object', required: ['platform', 'advisories'], properties: { platform: str, advisories: { type: 'array', items: advisorySchema } } }, ...errorResponses(400, 404) },
      },
    }, async (req) => {
      const p = await getPlatform(ctx, req.params.name);
      return { platform: p.name, advisories: await platformAdvisories(ctx, p.name, ['released', 'retracted']) };
    });

    app.get<{ Params: { name: string } }>('/platforms/:name/errata/osv', {
      schema: { tags, summary: 'The feed as OSV documents, one per advisory', params: nameParams, response: { 200: { type: 'array', items: osvSchema }, ...errorResponses(400, 404) } },
    }, async (req) => {
      const p = await getPlatform(ctx, req.params.name);
      return (await platformAdvisories(ctx, p.name, ['released', 'retracted'])).map((a) => toOsv(a, p, { selfUrl: selfUrl(a.id) }));
    });
  };
}
