/**
 * JSON schemas of the node API (node-api.ts): request bodies, parameters and responses, so the
 * OpenAPI document describes every route and Fastify validates and serialises with them.
 */
import { MAX_NODE_CONCURRENCY } from '../../auth/nodes.ts';
import { CAPABILITIES } from '../../auth/types.ts';
import { ARCHES } from '../../platforms/types.ts';
import { ARTIFACT_KINDS, MAX_LEASE_WAIT_SECONDS } from '../../scheduler/index.ts';
import { MAX_FILE_NAME_BYTES } from '../../util/file-name.ts';
import { freeText, idInteger, MAX_INT } from './schema-parts.ts';

/** A file name in a path: its form is checked by the scheduler (bad_name). */
const fileName = { type: 'string', minLength: 1, maxLength: MAX_FILE_NAME_BYTES, description: 'a plain file name' } as const;

export const sha256Schema = { type: 'string', maxLength: 64, pattern: '^[0-9a-f]{64}$', description: 'sha256 of the content, lowercase hex' } as const;

export const helloBody = {
  type: 'object',
  required: ['arches', 'capabilities', 'maxConcurrency'],
  additionalProperties: false,
  properties: {
    arches: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', enum: ARCHES } },
    capabilities: { type: 'array', maxItems: 16, items: { type: 'string', enum: CAPABILITIES } },
    maxConcurrency: { type: 'integer', minimum: 1, maximum: MAX_NODE_CONCURRENCY },
  },
} as const;

const stringList = { type: 'array', items: { type: 'string' } } as const;

export const helloResponse = {
  type: 'object',
  required: ['nodeId', 'name', 'arches', 'capabilities', 'notGranted'],
  properties: {
    nodeId: { type: 'integer' },
    name: { type: 'string' },
    arches: { ...stringList, description: 'the arches the node serves: granted by an admin and advertised (noarch and src tasks go to any node)' },
    capabilities: { ...stringList, description: 'the capabilities the node serves: granted by an admin and advertised' },
    notGranted: {
      type: 'object',
      required: ['arches', 'capabilities'],
      description: 'what the node advertised that no admin granted it (ignored)',
      properties: { arches: stringList, capabilities: stringList },
    },
  },
} as const;

const artifactRef = {
  type: 'object',
  required: ['name', 'kind', 'sha256', 'url'],
  properties: { name: { type: 'string' }, kind: { type: 'string' }, sha256: { type: 'string' }, url: { type: 'string', description: 'absolute download URL, no token needed' } },
} as const;

export const leasedTaskSchema = {
  type: 'object',
  required: ['id', 'buildId', 'kind', 'platform', 'arch', 'attempt', 'leaseExpiresAt', 'source', 'platformDefinition', 'dependencies', 'repositories'],
  properties: {
    id: { type: 'integer' },
    buildId: { type: 'integer', nullable: true, description: 'null for a release\'s sign-repo task' },
    releaseId: { type: 'integer', description: 'a release\'s sign-repo task: the release' },
    kind: { type: 'string', enum: ['srpm', 'rpm', 'test', 'sign', 'sign-repo'] },
    platform: { type: 'string' },
    arch: { type: 'string', description: 'target arch; src for an srpm task' },
    attempt: { type: 'integer' },
    leaseExpiresAt: { type: 'integer', description: 'ms since the epoch; heartbeat before then' },
    source: {
      type: 'object',
      required: ['kind', 'gitUrl', 'gitRef', 'gitCommit'],
      properties: {
        kind: { type: 'string', enum: ['git', 'srpm'] },
        gitUrl: { type: 'string', nullable: true },
        gitRef: { type: 'string', nullable: true },
        gitCommit: { type: 'string', nullable: true },
        srpmUrl: { type: 'string' },
      },
    },
    platformDefinition: { type: 'object', additionalProperties: true, description: 'the platform definition as stored' },
    dependencies: {
      type: 'array',
      description: 'RPM and SRPM artifacts of the tasks this one depends on (for an rpm task: its SRPM)',
      items: { type: 'object', required: ['taskId', 'artifacts'], properties: { taskId: { type: 'integer' }, artifacts: { type: 'array', items: artifactRef } } },
    },
    repositories: { type: 'array', items: { type: 'string' }, description: 'repository URLs to build against' },
    buildrootLock: { type: 'array', items: { type: 'string' }, description: 'a rebuild with the same build roots: the NEVRAs the root must hold exactly' },
    sign: {
      type: 'object',
      required: ['keyid', 'fingerprint'],
      description: 'sign and sign-repo tasks: the key to sign the packages of `dependencies` (or the repomd.xml files) with',
      properties: {
        keyid: { type: 'string' },
        fingerprint: { type: 'string' },
        heldElsewhere: { type: 'boolean', description: 'another signer registered this key' },
        heads: {
          type: 'object',
          required: ['packages', 'next'],
          description: 'sign tasks: the first heads of the packages to sign (lead, signature header, main header; base64), as GET /node/tasks/:id/package-heads gives them; `next`: where that request goes on (null: all are here)',
          properties: {
            packages: { type: 'array', items: { type: 'object', required: ['name', 'kind', 'sha256', 'head'], properties: { name: { type: 'string' }, kind: { type: 'string' }, sha256: { type: 'string' }, head: { type: 'string' } } } },
            next: { type: 'integer', nullable: true },
          },
        },
      },
    },
    repomd: {
      type: 'array',
      description: 'sign-repo tasks: the repomd.xml of each arch\'s repository, to sign byte for byte (a detached ASCII-armored signature each, sent with the completion as result.repomd: [{arch, sha256, signature}])',
      items: { type: 'object', required: ['arch', 'sha256', 'url'], properties: { arch: { type: 'string' }, sha256: { type: 'string' }, url: { type: 'string' } } },
    },
  },
} as const;

export const leaseQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { wait: { type: 'integer', minimum: 0, maximum: MAX_LEASE_WAIT_SECONDS, default: 0, description: 'seconds to wait for a task when none is queued now' } },
} as const;

export const taskParams = {
  type: 'object',
  required: ['id'],
  properties: { id: idInteger },
} as const;

export const artifactParams = {
  type: 'object',
  required: ['id', 'name'],
  properties: { id: idInteger, name: fileName },
} as const;

export const artifactQuery = {
  type: 'object',
  required: ['kind', 'sha256'],
  additionalProperties: false,
  properties: { kind: { type: 'string', enum: ARTIFACT_KINDS }, sha256: sha256Schema },
} as const;

export const logQuery = {
  type: 'object',
  required: ['seq'],
  additionalProperties: false,
  properties: { seq: { type: 'integer', minimum: 0, maximum: MAX_INT, description: 'chunk number; a repeated seq is ignored' } },
} as const;

export const completeBody = {
  type: 'object',
  additionalProperties: false,
  properties: { result: { description: 'anything JSON the node reports (build environment record, arches, …)' } },
} as const;

export const failBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: freeText(4000, { minLength: 1 }), result: {} },
} as const;

export const refuseBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: freeText(4000, { minLength: 1 }) },
} as const;

export const noContent = { type: 'null', description: 'done' } as const;

export const storedBlobSchema = {
  type: 'object',
  required: ['sha256', 'size'],
  properties: { sha256: { type: 'string' }, size: { type: 'integer' } },
} as const;

export const downloadParams = {
  type: 'object',
  required: ['sha256', 'name'],
  properties: { sha256: sha256Schema, name: fileName },
} as const;

/** A log chunk (text/plain): any text; a NUL, which no database column stores, is kept as U+FFFD. */
export const logChunkBody = { type: 'string', maxLength: 16 * 1024 * 1024 } as const;
