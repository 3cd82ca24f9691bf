/** JSON schemas of the release routes (releases.ts). */
import { MAX_PLAN_BUILDS } from '../../releases/index.ts';
import { freeText, idInteger, line, nameString } from './schema-parts.ts';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const nullableInt = { type: 'integer', nullable: true } as const;
const nullableStr = { type: 'string', nullable: true } as const;

/** A package NEVRA as a request names it. */
export const nevraString = line(512, { minLength: 3, description: 'name-[epoch:]version-release.arch' });
/** An advisory id (the errata domain checks its form). */
export const advisoryString = line(64, { minLength: 1 });

export const checkSchema = {
  type: 'object',
  required: ['package', 'check', 'ok', 'message'],
  properties: {
    package: { ...nullableStr, description: 'the NEVRA; null for a check of the whole release' },
    check: { type: 'string', description: 'placement, signed, checksum, tested, new, no-downgrade, closure, advisory, key, lifecycle, content' },
    ok: { type: 'boolean' },
    message: str,
    forceable: { type: 'boolean', description: 'a failure --force allows' },
    advisory: { type: 'string', description: 'the advisory an advisory check is about' },
  },
} as const;

export const versionSchema = {
  type: 'object',
  required: ['repo', 'channel', 'number', 'state', 'cause', 'base', 'packages', 'advisories', 'createdAt', 'publishedAt', 'supersededAt', 'releaseId'],
  properties: {
    repo: str,
    channel: { type: 'string', description: 'ARCH, ARCH/debug or Source' },
    number: int,
    state: { type: 'string', enum: ['staged', 'published', 'expired', 'discarded'] },
    cause: { type: 'string', enum: ['release', 'revert'] },
    base: { ...nullableInt, description: 'the version it was made from' },
    packages: int,
    advisories: int,
    createdAt: int,
    publishedAt: nullableInt,
    supersededAt: nullableInt,
    releaseId: int,
  },
} as const;

export const releaseSchema = {
  type: 'object',
  required: ['id', 'platform', 'state', 'note', 'forced', 'createdBy', 'createdAt', 'updatedAt', 'committedBy', 'committedAt', 'releasedAt', 'revertedBy', 'revertedAt', 'failureReason', 'signTask', 'builds', 'advisories', 'republish', 'promoteFrom', 'packages', 'versions'],
  properties: {
    id: int,
    platform: str,
    state: { type: 'string', enum: ['planned', 'publishing', 'released', 'reverted'] },
    note: nullableStr,
    forced: { type: 'boolean' },
    createdBy: nullableStr,
    createdAt: int,
    updatedAt: int,
    committedBy: nullableStr,
    committedAt: nullableInt,
    releasedAt: nullableInt,
    revertedBy: nullableStr,
    revertedAt: nullableInt,
    failureReason: { ...nullableStr, description: 'why the last commit did not publish' },
    signTask: { type: 'object', nullable: true, required: ['id', 'state'], properties: { id: int, state: str } },
    builds: { type: 'array', items: int },
    advisories: { type: 'array', items: str },
    republish: { type: 'array', items: str, description: 'release repositories whose binary channels the release republishes without packages (new comps or modules.yaml)' },
    promoteFrom: { ...nullableStr, description: 'a promotion: the release repository its packages come from and leave' },
    packages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['nevra', 'name', 'epoch', 'version', 'release', 'arch', 'kind', 'buildId', 'repos', 'reason'],
        properties: {
          nevra: str,
          name: str,
          epoch: nullableInt,
          version: str,
          release: str,
          arch: str,
          kind: { type: 'string', enum: ['binary', 'debuginfo', 'source'] },
          buildId: int,
          repos: { type: 'array', items: str, description: 'channel paths: REPO/ARCH, REPO/ARCH/debug, REPO/Source' },
          reason: str,
        },
      },
    },
    versions: { type: 'array', items: versionSchema },
    checks: { type: 'array', items: checkSchema, description: 'a planned release: every check, run now' },
  },
} as const;

export const planBody = {
  type: 'object',
  required: ['platform'],
  additionalProperties: false,
  properties: {
    platform: nameString,
    builds: { type: 'array', maxItems: MAX_PLAN_BUILDS, items: idInteger },
    advisories: { type: 'array', maxItems: 200, items: advisoryString },
    republish: { type: 'array', maxItems: 32, items: nameString, description: 'release repositories to give a new version without packages (new comps or modules.yaml)' },
    note: freeText(4000),
  },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    platform: nameString,
    state: { type: 'string', enum: ['planned', 'publishing', 'released', 'reverted'] },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: { type: 'integer', minimum: 0, maximum: 2_147_483_647, default: 0 },
  },
} as const;

export const channelSchema = {
  type: 'object',
  required: ['repo', 'channel', 'path', 'current', 'versions'],
  properties: { repo: str, channel: str, path: str, current: nullableInt, versions: { type: 'array', items: versionSchema } },
} as const;

export const versionDetailSchema = {
  type: 'object',
  required: [...versionSchema.required, 'added', 'removed'],
  properties: { ...versionSchema.properties, added: { type: 'array', items: str }, removed: { type: 'array', items: str } },
} as const;

export const channelContentSchema = {
  type: 'object',
  required: ['repo', 'channel', 'current', 'total', 'packages'],
  properties: {
    repo: str,
    channel: str,
    current: nullableInt,
    total: int,
    packages: {
      type: 'array',
      items: { type: 'object', required: ['nevra', 'name', 'arch', 'sha256', 'href', 'releaseId'], properties: { nevra: str, name: str, arch: str, sha256: str, href: str, releaseId: int } },
    },
  },
} as const;

export const promotionBody = {
  type: 'object',
  required: ['platform', 'from'],
  additionalProperties: false,
  properties: {
    platform: nameString,
    from: line(64, { minLength: 1, description: 'the release repository to promote from (its promoteTo is the target)' }),
    packages: { type: 'array', maxItems: 2000, items: nevraString, description: 'only these binary packages (their debuginfo and SRPMs follow); default every package waiting' },
    note: freeText(4000),
  },
} as const;
