/**
 * JSON schemas of the git service's API (mirrors, rules, events, package pipelines, webhooks),
 * shared by the routes in git.ts and the generated OpenAPI document.
 */
import { MAX_GIT_URL_LENGTH } from '../../util/git-url.ts';
import { line, nameParams, nameString } from './schema-parts.ts';

export { nameParams };

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const nullableInt = { type: 'integer', nullable: true } as const;
const nullableStr = { type: 'string', nullable: true } as const;
const names = { type: 'array', minItems: 1, maxItems: 10000, items: nameString } as const;
const gitUrl = (description: string) => line(MAX_GIT_URL_LENGTH, { minLength: 1, description });

export const mirrorDefinitionSchema = {
  type: 'object',
  required: ['name', 'url'],
  additionalProperties: false,
  properties: {
    name: { ...nameString, description: 'the package name: letters, digits, . _ -; no / or ..' },
    url: gitUrl('the upstream repository: https://…, ssh://…, file://… or an absolute path; no credentials'),
    webhookSecret: line(256, { minLength: 1, description: 'secret of its push webhooks (else the configuration’s)' }),
    pollIntervalSeconds: { type: 'integer', minimum: 1, maximum: 604800 },
  },
} as const;

export const mirrorListBodySchema = {
  type: 'object',
  required: ['mirrors'],
  additionalProperties: false,
  properties: { mirrors: { type: 'array', minItems: 1, maxItems: 10000, items: mirrorDefinitionSchema } },
} as const;

export const mirrorSchema = {
  type: 'object',
  required: ['name', 'url', 'cloneUrl', 'webhookUrl', 'hasWebhookSecret', 'pollIntervalSeconds', 'createdAt', 'syncedAt', 'nextPollAt', 'failures', 'lastError', 'refs'],
  properties: {
    name: str,
    url: str,
    cloneUrl: { type: 'string', description: 'git clone URL of the mirror (read-only)' },
    webhookUrl: { type: 'string', description: 'where its upstream’s push webhook should point' },
    hasWebhookSecret: { type: 'boolean' },
    pollIntervalSeconds: nullableInt,
    createdAt: int,
    syncedAt: nullableInt,
    nextPollAt: int,
    failures: { type: 'integer', description: 'failed syncs in a row' },
    lastError: nullableStr,
    refs: { type: 'integer', description: 'branches and tags recorded' },
  },
} as const;

const autopatchSchema = {
  type: 'object',
  required: ['branch'],
  additionalProperties: false,
  properties: {
    repo: gitUrl('patches repository; {package} is replaced by the mirror name; no credentials'),
    ref: line(200, { minLength: 1, description: 'ref of the patches repository (default main)' }),
    branch: line(100, { minLength: 1, description: 'our branch, e.g. a9' }),
    tagPrefix: line(100, { minLength: 1, description: 'prefix of our tags (default changed/BRANCH)' }),
  },
} as const;

const ruleProperties = {
  name: nameString,
  tag: line(200, { minLength: 1, description: 'glob over tag names (* any characters, ? one), e.g. imports/c9/*' }),
  branch: line(200, { minLength: 1, description: 'glob over branch names, e.g. c10s' }),
  mirrors: { ...names, description: 'mirrors it applies to (default: all)' },
  platforms: { ...names, maxItems: 64, description: 'platforms each matching ref builds for' },
  autopatch: autopatchSchema,
} as const;

export const ruleDefinitionSchema = { type: 'object', required: ['name', 'platforms'], additionalProperties: false, properties: ruleProperties } as const;

export const ruleSchema = {
  type: 'object',
  required: ['id', 'name', 'platforms', 'createdAt', 'updatedAt'],
  properties: { ...ruleProperties, id: int, createdAt: int, updatedAt: int },
} as const;

const eventProperties = {
  id: int,
  mirror: str,
  ref: { type: 'string', description: 'the upstream ref (refs/tags/… or refs/heads/…)' },
  oldCommit: nullableStr,
  commit: str,
  via: { type: 'string', enum: ['poll', 'webhook', 'sync'] },
  at: int,
  rule: nullableStr,
  status: { type: 'string', enum: ['pending', 'submitting', 'submitted', 'failed', 'ignored'] },
  message: nullableStr,
  ourRef: nullableStr,
  ourCommit: nullableStr,
  buildId: nullableInt,
} as const;

export const eventSchema = { type: 'object', required: Object.keys(eventProperties), properties: eventProperties } as const;

export const syncResultSchema = {
  type: 'object',
  required: ['mirror', 'changed', 'baseline', 'events', 'deleted'],
  properties: {
    mirror: str,
    changed: { type: 'boolean', description: 'the upstream differed from the recorded refs (a fetch ran)' },
    baseline: { type: 'boolean' },
    events: { type: 'array', items: { type: 'object', required: ['id', 'ref', 'commit', 'rule'], properties: { id: int, ref: str, commit: str, rule: nullableStr } } },
    deleted: { type: 'array', items: str },
  },
} as const;

export const pipelineSchema = {
  type: 'object',
  required: ['package', 'mirror', 'refs', 'pipeline'],
  properties: {
    package: str,
    mirror: mirrorSchema,
    refs: { type: 'array', items: { type: 'object', required: ['name', 'commit'], properties: { name: str, commit: str } } },
    pipeline: {
      type: 'array',
      description: 'upstream ref → our ref → build → tasks → signed → released, newest first',
      items: {
        type: 'object',
        required: [...Object.keys(eventProperties), 'build'],
        properties: {
          ...eventProperties,
          build: {
            type: 'object',
            nullable: true,
            required: ['id', 'state', 'signed', 'signedAt', 'released', 'releasedIn', 'tasks'],
            properties: {
              id: int,
              state: str,
              signed: { type: 'boolean', description: 'every package of the build is signed' },
              signedAt: { ...nullableInt, description: 'when its last package was signed (null while not signed)' },
              released: { type: 'boolean', description: 'a release holding the build is released (published, not reverted)' },
              releasedIn: { type: 'array', items: int, description: 'ids of those releases, newest first' },
              tasks: { type: 'array', items: { type: 'object', required: ['id', 'platform', 'arch', 'kind', 'state'], properties: { id: int, platform: str, arch: str, kind: str, state: str } } },
            },
          },
        },
      },
    },
  },
} as const;

export const eventsQuerySchema = { type: 'object', additionalProperties: false, properties: { mirror: nameString, limit: { type: 'integer', minimum: 1, maximum: 100 } } } as const;
