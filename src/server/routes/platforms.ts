/**
 * /api/v1/platforms: anyone may read platforms (they are public release data); admins create,
 * replace and delete them. A definition is checked whole before anything is stored.
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';
import { createPlatform, deletePlatform, getPlatform, listPlatforms, savePlatform } from '../../platforms/store.ts';
import { ARCHES, type Platform } from '../../platforms/types.ts';
import { PlatformDefinitionError } from '../../platforms/errors.ts';
import { PLATFORM_LIMITS } from '../../platforms/validate.ts';
import { errorResponses } from '../errors.ts';
import { requireUser } from '../principal.ts';
import { line, nameParams, nameString } from './schema-parts.ts';

const arches = { type: 'array', minItems: 1, maxItems: ARCHES.length, items: { type: 'string', enum: ARCHES } } as const;
const L = PLATFORM_LIMITS;
const url = (description?: string) => line(L.url, { minLength: 1, ...(description !== undefined && { description }) });
const short = (description?: string) => line(L.text, { minLength: 1, ...(description !== undefined && { description }) });

/** JSON schema of a platform definition (the API body and the YAML file have the same fields and bounds: src/platforms/validate.ts). */
export const platformDefinitionSchema = {
  type: 'object',
  required: ['name', 'arches', 'distTag'],
  additionalProperties: false,
  properties: {
    name: { ...nameString, description: 'letters, digits, . _ -; no / or ..' },
    arches,
    distTag: short('e.g. .el9'),
    macros: {
      type: 'object',
      maxProperties: L.macros,
      propertyNames: { maxLength: L.macroName },
      additionalProperties: line(L.macroValue),
      description: 'rpm macros: name (without %) → value (a string: quote numbers)',
    },
    repositories: {
      type: 'array',
      maxItems: L.repositories,
      description: 'repositories the build roots are installed from: http(s)://, file://, or a path on this master (/…); $basearch is replaced per arch',
      items: {
        type: 'object',
        required: ['name', 'url'],
        additionalProperties: false,
        properties: { name: nameString, url: url(), arches, gpgcheck: { type: 'boolean', description: 'dnf checks each package against gpgkey' }, gpgkey: url('the public key') },
      },
    },
    buildroot: {
      type: 'object',
      additionalProperties: false,
      description: 'how build roots are made (mock\'s chroot_setup_cmd): what dnf installs first, and $releasever',
      properties: {
        install: { type: 'array', minItems: 1, maxItems: L.install, items: short('a package name, @group or dependency'), description: 'default ["@buildsys-build"]' },
        releasever: short('dnf $releasever (default: the major version)'),
      },
    },
    lookaside: {
      type: 'array',
      maxItems: L.lookaside,
      description: 'lookaside caches for dist-git sources, tried in order: URL templates with {name} {filename} {hashtype} {HASHTYPE} {hash}',
      items: { type: 'object', required: ['url'], additionalProperties: false, properties: { url: url() } },
    },
    tests: {
      type: 'object',
      additionalProperties: false,
      description: 'present: every built binary package is installed and tested in a fresh root by a test node',
      properties: {
        gate: { type: 'boolean', description: 'test results gate signing (default true)' },
        timeoutSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
        autoSign: { type: 'boolean', description: 'sign a build by itself once every test passed (default false)' },
        repository: {
          type: 'object',
          required: ['url'],
          additionalProperties: false,
          description: 'a git repository of tests: NAME/ holds the scripts of binary package NAME',
          properties: { url: url('git URL or absolute path; no credentials'), ref: short('branch or tag (default main)') },
        },
        install: { type: 'array', minItems: 1, maxItems: L.install, items: short('a package name, @group or dependency'), description: 'what a test root holds before the package under test (default bash, coreutils)' },
      },
    },
    lifecycle: {
      type: 'object',
      required: ['version'],
      additionalProperties: false,
      properties: {
        version: short('a string: "9.10" is not 9.1'),
        codename: short(),
        upstreamBase: short(),
        kernel: short(),
        releaseDate: line(10, { description: 'YYYY-MM-DD' }),
        endOfSupport: line(10, { description: 'YYYY-MM-DD' }),
      },
    },
    advisoryPrefix: { type: 'string', minLength: 2, maxLength: 8, pattern: '^[A-Z]{2,8}$', description: 'the letters its advisory ids start with: AL → ALSA-2026:0001 (default DF)' },
  },
} as const;

/** JSON schema of a stored platform. */
export const platformSchema = {
  ...platformDefinitionSchema,
  required: [...platformDefinitionSchema.required, 'macros', 'repositories', 'createdAt', 'updatedAt'],
  properties: { ...platformDefinitionSchema.properties, createdAt: { type: 'integer' }, updatedAt: { type: 'integer' } },
} as const;

const tags = ['platforms'];
const secured = [{ bearer: [] }];

export function platformRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.get('/platforms', {
      schema: { tags, summary: 'List platforms', response: { 200: { type: 'array', items: platformSchema }, ...errorResponses(401) } },
    }, () => listPlatforms(ctx));

    app.get<{ Params: { name: string } }>('/platforms/:name', {
      schema: { tags, summary: 'Show a platform', params: nameParams, response: { 200: platformSchema, ...errorResponses(400, 401, 404) } },
    }, (req) => getPlatform(ctx, req.params.name));

    app.post<{ Body: Platform }>('/platforms', {
      schema: {
        tags, summary: 'Create a platform (admin)', security: secured, body: platformDefinitionSchema,
        response: { 201: platformSchema, ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      const p = await createPlatform(ctx, req.body);
      req.log.info({ platform: p.name }, 'platform created');
      return reply.code(201).send(p);
    });

    app.put<{ Params: { name: string }; Body: Platform }>('/platforms/:name', {
      schema: {
        tags, summary: 'Create or replace a platform (admin)', security: secured, params: nameParams, body: platformDefinitionSchema,
        response: { 200: platformSchema, 201: platformSchema, ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      if (req.body.name !== req.params.name) throw new PlatformDefinitionError('name', `"${req.body.name}" does not match the URL's platform name "${req.params.name}"`);
      const { platform, created } = await savePlatform(ctx, req.body);
      req.log.info({ platform: platform.name, created }, 'platform saved');
      return reply.code(created ? 201 : 200).send(platform);
    });

    app.delete<{ Params: { name: string } }>('/platforms/:name', {
      schema: { tags, summary: 'Delete a platform no build uses (admin)', security: secured, params: nameParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      await deletePlatform(ctx, req.params.name);
      req.log.info({ platform: req.params.name }, 'platform deleted');
      return reply.code(204).send();
    });
  };
}
