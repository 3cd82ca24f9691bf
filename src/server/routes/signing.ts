/**
 * Signing over HTTP. Anyone lists the keys and downloads a public key as an RPM-GPG-KEY file
 * (GET /keys/KEYID.asc); an admin sets which platforms a key may sign; a maintainer asks for a
 * build to be signed (POST /builds/:id/sign); a signer (a node with the `sign` capability)
 * registers the public keys it holds (POST /node/keys). Private keys never arrive here: a private
 * key block is refused. A signer holding a sign task gets its packages' heads
 * (GET /node/tasks/:id/package-heads) and sends back their new signature headers
 * (POST /node/tasks/:id/signatures), which the master composes into the signed packages.
 */
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.ts';
import { parseCapabilities } from '../../scheduler/capabilities.ts';
import { acceptSignatures, getKey, headsForSigner, listKeys, MAX_SIGNATURE_HEADER_BYTES, publicKeyFile, registerKeys, requestSigning, setKeyPlatforms } from '../../signing/index.ts';
import { errorResponses } from '../errors.ts';
import { ForbiddenError, requireNode, requireUser } from '../principal.ts';
import { freeText, idParams, line, MAX_INT, nameString } from './schema-parts.ts';

const str = { type: 'string' } as const;
const tags = ['signing'];
const security = [{ bearer: [] }];

const keySchema = {
  type: 'object',
  required: ['keyid', 'fingerprint', 'algorithm', 'userIds', 'created', 'platforms', 'signer'],
  properties: {
    keyid: { type: 'string', description: 'key id of the signing (sub)key, 16 hex digits' },
    fingerprint: str,
    algorithm: { type: 'string', description: 'rsa4096, ed25519, …' },
    userIds: { type: 'array', items: str },
    created: { type: 'string', description: 'ISO 8601' },
    platforms: { type: 'array', items: str, description: 'platforms whose packages it may sign' },
    signer: { type: 'string', nullable: true, description: 'the signer node holding it' },
  },
} as const;

/** Base64 text of at most `bytes` bytes. */
const base64 = (bytes: number, description: string) => ({ type: 'string', minLength: 1, maxLength: 4 * Math.ceil(bytes / 3), pattern: '^[A-Za-z0-9+/]*={0,2}$', description }) as const;

/** Signature headers one request may carry, at most. */
const MAX_SIGNATURES_PER_REQUEST = 1000;

const keyParams = { type: 'object', required: ['keyid'], properties: { keyid: line(64, { minLength: 1, description: 'key id (16 hex digits) or fingerprint' }) } } as const;

export function signingRoutes(ctx: Context): FastifyPluginAsync {
  return async (app) => {
    app.get('/keys', {
      schema: { tags, summary: 'List signing keys and the platforms each may sign', response: { 200: { type: 'array', items: keySchema }, ...errorResponses(401) } },
    }, () => listKeys(ctx));

    app.get<{ Params: { keyid: string } }>('/keys/:keyid.asc', {
      schema: { tags, summary: 'Download a public key (an RPM-GPG-KEY file for rpm --import and dnf gpgkey=)', params: keyParams, response: { 200: { type: 'string' }, ...errorResponses(400, 404) } },
    }, async (req, reply) => {
      const text = await publicKeyFile(ctx, req.params.keyid);
      return reply.type('application/pgp-keys; charset=utf-8').send(text);
    });

    app.get<{ Params: { keyid: string } }>('/keys/:keyid', {
      schema: { tags, summary: 'Show a signing key', params: keyParams, response: { 200: keySchema, ...errorResponses(400, 404) } },
    }, (req) => getKey(ctx, req.params.keyid));

    app.put<{ Params: { keyid: string }; Body: { platforms: string[] } }>('/keys/:keyid/platforms', {
      schema: {
        tags, security, summary: 'Set the platforms a key may sign (admin)', params: keyParams,
        body: { type: 'object', required: ['platforms'], additionalProperties: false, properties: { platforms: { type: 'array', maxItems: 64, items: nameString } } },
        response: { 200: keySchema, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req) => {
      requireUser(req.principal, 'admin');
      return setKeyPlatforms(ctx, req.params.keyid, req.body.platforms);
    });

    app.post<{ Params: { id: number }; Body: { key?: string; waitForTests?: boolean } | undefined }>('/builds/:id/sign', {
      schema: {
        tags, security, summary: 'Sign the packages of a succeeded build (maintainer): one sign task per package and platform', params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            key: line(64, { minLength: 1, description: 'key id; default the first key the platform allows' }),
            waitForTests: { type: 'boolean', description: 'on a platform gating on tests: sign once the tests still running pass (the sign tasks wait for them; a failed one cancels them) instead of 409' },
          },
        },
        response: {
          202: {
            type: 'object',
            required: ['taskIds', 'keys', 'waitingFor'],
            properties: {
              taskIds: { type: 'array', items: { type: 'integer' } },
              keys: { type: 'object', additionalProperties: str, description: 'platform → key id' },
              waitingFor: {
                type: 'array',
                description: 'the test tasks the new sign tasks wait for (waitForTests)',
                items: {
                  type: 'object',
                  required: ['taskId', 'rpmTaskId', 'package', 'platform', 'arch', 'state'],
                  properties: { taskId: { type: 'integer' }, rpmTaskId: { type: 'integer' }, package: { type: 'string', nullable: true }, platform: str, arch: str, state: str },
                },
              },
            },
          },
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    }, async (req, reply) => {
      const user = requireUser(req.principal, 'maintainer');
      const result = await requestSigning(ctx, { buildId: req.params.id, ...(req.body?.key !== undefined && { keyid: req.body.key }), waitForTests: req.body?.waitForTests === true, requestedBy: user.userId });
      return reply.code(202).send(result);
    });

    app.get<{ Params: { id: number }; Querystring: { from: number } }>('/node/tasks/:id/package-heads', {
      schema: {
        tags: ['node'], security,
        summary: 'The heads (lead, signature header, main header: what is signed) of the packages of a sign task this signer holds, from the `from`th on; `next` is where the next answer starts (null: no more)',
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { from: { type: 'integer', minimum: 0, maximum: MAX_INT, default: 0 } } },
        response: {
          200: {
            type: 'object',
            required: ['packages', 'next'],
            properties: {
              packages: {
                type: 'array',
                items: { type: 'object', required: ['name', 'kind', 'sha256', 'head'], properties: { name: str, kind: str, sha256: { type: 'string', description: 'the whole package, as built' }, head: { type: 'string', description: 'base64' } } },
              },
              next: { type: 'integer', nullable: true },
            },
          },
          ...errorResponses(400, 401, 403, 404, 409, 422),
        },
      },
    }, async (req) => {
      const heads = await headsForSigner(ctx, requireNode(req.principal).nodeId, req.params.id, req.query.from);
      return { packages: heads.packages.map((p) => ({ ...p, head: p.head.toString('base64') })), next: heads.next };
    });

    app.post<{ Params: { id: number }; Body: { keyid: string; packages: { name: string; signatureHeader: string }[]; complete?: boolean; log?: { seq: number; text: string } } }>('/node/tasks/:id/signatures', {
      schema: {
        tags: ['node'], security,
        summary: 'The new signature headers of packages of a sign task this signer holds: the master composes each signed package from its original, checks it (422 bad_signature, nothing recorded) and records it; with complete, the task completes too (every package signed)',
        params: idParams,
        body: {
          type: 'object',
          required: ['keyid', 'packages'],
          additionalProperties: false,
          properties: {
            keyid: line(16, { minLength: 16, description: 'the key signed with (the sign task\'s)' }),
            packages: {
              type: 'array',
              maxItems: MAX_SIGNATURES_PER_REQUEST,
              items: {
                type: 'object',
                required: ['name', 'signatureHeader'],
                additionalProperties: false,
                properties: { name: line(255, { minLength: 1 }), signatureHeader: base64(MAX_SIGNATURE_HEADER_BYTES, 'the new signature header, with its padding to 8 bytes') },
              },
            },
            complete: { type: 'boolean', description: 'complete the task too' },
            log: {
              type: 'object',
              required: ['seq', 'text'],
              additionalProperties: false,
              description: 'a chunk of the task\'s log, appended first (as POST /node/tasks/:id/log?seq= does)',
              properties: { seq: { type: 'integer', minimum: 0, maximum: MAX_INT }, text: { type: 'string', maxLength: 1024 * 1024 } },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['packages', 'completed'],
            properties: {
              packages: { type: 'array', items: { type: 'object', required: ['name', 'sha256', 'size'], properties: { name: str, sha256: str, size: { type: 'integer' } } } },
              completed: { type: 'boolean' },
            },
          },
          ...errorResponses(400, 401, 403, 404, 409, 422),
        },
      },
    }, async (req) => {
      const nodeId = requireNode(req.principal).nodeId;
      // Each name must be one of the task's packages (checked there).
      const packages = req.body.packages.map((p) => ({ name: p.name, signatureHeader: Buffer.from(p.signatureHeader, 'base64') }));
      const { log } = req.body;
      return acceptSignatures(ctx, nodeId, req.params.id, { keyid: req.body.keyid, packages, complete: req.body.complete === true, ...(log && { log: { seq: log.seq, text: log.text.replaceAll('\0', '\uFFFD') } }) });
    });

    app.post<{ Body: { keys: string[] } }>('/node/keys', {
      schema: {
        tags: ['node'], security, summary: 'A signer registers the public keys it holds (sign capability; private keys are refused)',
        body: { type: 'object', required: ['keys'], additionalProperties: false, properties: { keys: { type: 'array', maxItems: 100, items: freeText(65536) } } },
        response: { 200: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object', required: ['keyid', 'fingerprint', 'algorithm'], properties: { keyid: str, fingerprint: str, algorithm: str } } } } }, ...errorResponses(400, 401, 403) },
      },
    }, async (req) => {
      const node = requireNode(req.principal);
      const row = await ctx.db.kysely.selectFrom('nodes').select('capabilities').where('id', '=', node.nodeId).executeTakeFirst();
      if (!parseCapabilities(row?.capabilities).includes('sign')) throw new ForbiddenError(`node ${node.name} was not granted the sign capability (an admin grants it)`);
      return { keys: await registerKeys(ctx, node.nodeId, req.body.keys) };
    });
  };
}
