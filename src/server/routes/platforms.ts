/**
 * /api/v1/platforms: anyone may read platforms (they are public release data), each with its
 * lifecycle status computed on the master's clock; admins create, replace and delete them. A
 * definition is checked whole before anything is stored.
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';
import { createPlatform, deletePlatform, getPlatform, listPlatforms, savePlatform } from '../../platforms/store.ts';
import { ARCHES, type Platform } from '../../platforms/types.ts';
import { PlatformDefinitionError } from '../../platforms/errors.ts';
import { PLATFORM_LIMITS } from '../../platforms/validate.ts';
import { RELEASE_LIMITS } from '../../platforms/validate-releases.ts';
import { LIFECYCLE_STATES, withLifecycleStatus } from '../../platforms/lifecycle.ts';
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
    releases: {
      type: 'object',
      required: ['repositories'],
      additionalProperties: false,
      description: 'release repositories: where released packages are published (/repos/PLATFORM/REPO/ARCH/)',
      properties: {
        repositories: {
          type: 'array',
          minItems: 1,
          maxItems: RELEASE_LIMITS.repositories,
          items: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: {
              name: line(64, { minLength: 1, description: 'a letter, then letters, digits, . _ -' }),
              description: short(),
              arches,
              packages: { type: 'array', maxItems: RELEASE_LIMITS.packages, items: line(128, { minLength: 1 }), description: 'binary package names or globs placed here' },
              default: { type: 'boolean', description: 'packages no repository matches go here' },
              debuginfo: { type: 'boolean', description: 'a debuginfo twin ARCH/debug (default true)' },
              source: { type: 'boolean', description: 'a source twin Source (default true)' },
              promoteTo: line(64, { minLength: 1, description: 'another release repository `release promote` moves its packages to (testing → stable)' }),
              promoteAfterDays: { type: 'integer', minimum: 0, maximum: 3650, description: 'days a package stays here before it may be promoted (default 7)' },
            },
          },
        },
        retention: { type: 'integer', minimum: 1, maximum: RELEASE_LIMITS.retention, description: 'versions kept addressable (@N), default 5' },
        graceSeconds: { type: 'integer', minimum: 0, maximum: 604800, description: 'a superseded version stays served this long (default 3600)' },
        dependencies: { type: 'array', maxItems: L.repositories, items: nameString, description: "the platform's repositories released packages may depend on" },
        compression: { type: 'string', enum: ['zstd', 'gz'] },
      },
    },
    lifecycle: {
      type: 'object',
      required: ['version'],
      additionalProperties: false,
      description: 'the platform\'s row of a release table; dates are YYYY-MM-DD, end dates the last day of that support',
      properties: {
        version: short('a string: "9.10" is not 9.1'),
        codename: short(),
        upstreamBase: short('the upstream release it is based on, e.g. EL 9.4'),
        kernel: short('kernel version shipped'),
        releaseDate: line(10, { description: 'YYYY-MM-DD' }),
        upstreamReleaseDate: line(10, { description: 'YYYY-MM-DD: the upstream base\'s own release, not after releaseDate' }),
        endOfActiveSupport: line(10, { description: 'YYYY-MM-DD: last day of active support, after releaseDate' }),
        endOfSecuritySupport: line(10, { description: 'YYYY-MM-DD: last day of security support, not before endOfActiveSupport' }),
        endOfSupport: line(10, { description: 'the old name of endOfSecuritySupport (accepted in requests, never answered)' }),
      },
    },
    advisoryPrefix: { type: 'string', minLength: 2, maxLength: 8, pattern: '^[A-Z]{2,8}$', description: 'the letters its advisory ids start with: AL → ALSA-2026:0001 (default DF)' },
  },
} as const;

/** The computed lifecycle fields (src/platforms/lifecycle.ts), on the master's clock. */
const lifecycleStatusSchema = {
  type: 'object',
  required: ['state', 'lagDays', 'asOf'],
  description: 'computed from lifecycle on the master\'s day (UTC): not part of a definition',
  properties: {
    state: { type: 'string', enum: LIFECYCLE_STATES, description: 'supported until endOfActiveSupport, security-only until endOfSecuritySupport, then end-of-life' },
    lagDays: { type: 'integer', nullable: true, description: 'releaseDate − upstreamReleaseDate in days; null when either is unknown' },
    asOf: { type: 'string', description: 'the UTC day (YYYY-MM-DD) the state is for' },
  },
} as const;

/** JSON schema of a stored platform, as answered. */
export const platformSchema = {
  ...platformDefinitionSchema,
  required: [...platformDefinitionSchema.required, 'macros', 'repositories', 'createdAt', 'updatedAt', 'lifecycleStatus'],
  properties: { ...platformDefinitionSchema.properties, createdAt: { type: 'integer' }, updatedAt: { type: 'integer' }, lifecycleStatus: lifecycleStatusSchema },
} as const;

const tags = ['platforms'];
const secured = [{ bearer: [] }];

export function platformRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.get('/platforms', {
      schema: { tags, summary: 'List platforms', response: { 200: { type: 'array', items: platformSchema }, ...errorResponses(401) } },
    }, async () => (await listPlatforms(ctx)).map((p) => withLifecycleStatus(p, ctx.now())));

    app.get<{ Params: { name: string } }>('/platforms/:name', {
      schema: { tags, summary: 'Show a platform', params: nameParams, response: { 200: platformSchema, ...errorResponses(400, 401, 404) } },
    }, async (req) => withLifecycleStatus(await getPlatform(ctx, req.params.name), ctx.now()));

    app.post<{ Body: Platform }>('/platforms', {
      schema: {
        tags, summary: 'Create a platform (admin)', security: secured, body: platformDefinitionSchema,
        response: { 201: platformSchema, ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => {
      requireUser(req.principal, 'admin');
      const p = await createPlatform(ctx, req.body);
      req.log.info({ platform: p.name }, 'platform created');
      return reply.code(201).send(withLifecycleStatus(p, ctx.now()));
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
      return reply.code(created ? 201 : 200).send(withLifecycleStatus(platform, ctx.now()));
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
