/**
 * JSON schemas of the builds API (request bodies, query strings and answers), shared by the
 * routes in builds.ts and the generated OpenAPI document.
 */
import { MAX_GIT_URL_LENGTH } from '../../util/git-url.ts';
import { idInteger, idParams, line, MAX_INT, nameString } from './schema-parts.ts';

export { idParams };
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const nullableInt = { type: 'integer', nullable: true } as const;
const nullableStr = { type: 'string', nullable: true } as const;
const buildState = { type: 'string', enum: ['pending', 'running', 'succeeded', 'failed', 'cancelled'] } as const;
const taskState = { type: 'string', enum: ['blocked', 'queued', 'leased', 'succeeded', 'failed', 'cancelled'] } as const;

export const submitBodySchema = {
  type: 'object',
  required: ['platforms', 'sources'],
  additionalProperties: false,
  properties: {
    platforms: { type: 'array', minItems: 1, maxItems: 64, items: nameString, description: 'platform names' },
    sources: {
      type: 'array',
      minItems: 1,
      maxItems: 500,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          git: line(MAX_GIT_URL_LENGTH + 256, { minLength: 1, description: 'URL#REF: a branch, tag, refs/… name or full commit hash; no credentials in the URL' }),
          srpmSha256: { type: 'string', minLength: 64, maxLength: 64, pattern: '^[0-9a-fA-F]{64}$', description: 'an SRPM uploaded with POST /srpms' },
        },
      },
    },
    priority: { type: 'integer', minimum: -1000, maximum: 1000, description: 'higher is leased first; default 0' },
    explicitOrder: { type: 'boolean', description: 'build the sources one after another in the order given' },
    public: { type: 'boolean', description: 'anyone may read the build, its logs and repositories' },
    arches: {
      type: 'array', minItems: 1, maxItems: 32, items: nameString,
      description: 'build only for these arches (each a build arch of at least one of the platforms); default every build arch. noarch packages are built whatever the arches',
    },
  },
} as const;

const buildSummaryProperties = {
  id: int,
  state: buildState,
  owner: str,
  platforms: { type: 'array', items: str },
  public: { type: 'boolean' },
  priority: int,
  explicitOrder: { type: 'boolean' },
  arches: { type: 'array', items: str, nullable: true, description: 'the arches asked for; null: every build arch of the platforms' },
  rebuildOf: nullableInt,
  createdAt: int,
  finishedAt: nullableInt,
  failureReason: nullableStr,
} as const;

export const buildSummarySchema = {
  type: 'object',
  required: Object.keys(buildSummaryProperties),
  properties: buildSummaryProperties,
} as const;

const artifactSchema = {
  type: 'object',
  required: ['name', 'kind', 'sha256', 'size', 'url'],
  properties: {
    name: str,
    kind: str,
    sha256: { type: 'string', description: 'of the signed package once signed' },
    size: int,
    url: { type: 'string', description: 'absolute download URL (the signed package once signed)' },
    signature: {
      type: 'object',
      required: ['keyid', 'signedAt', 'unsignedSha256', 'unsignedUrl'],
      description: 'present once signed',
      properties: { keyid: str, signedAt: int, unsignedSha256: str, unsignedUrl: str },
    },
  },
} as const;

const taskSchema = {
  type: 'object',
  required: ['id', 'itemId', 'package', 'platform', 'arch', 'kind', 'state', 'attempt', 'node', 'failureReason', 'dependsOn', 'artifacts'],
  properties: {
    id: int,
    itemId: int,
    package: nullableStr,
    platform: str,
    arch: str,
    kind: { type: 'string', enum: ['srpm', 'rpm', 'test', 'sign', 'sign-repo'] },
    state: taskState,
    attempt: int,
    node: { ...nullableStr, description: 'the node that holds or last held its lease; null when never leased' },
    failureReason: nullableStr,
    dependsOn: { type: 'array', items: int, description: 'ids of the tasks this one waits for' },
    artifacts: { type: 'array', items: artifactSchema },
    tests: {
      type: 'array',
      description: 'rpm tasks: the newest test of each binary package (install, integrity, tests, uninstall; a test run again replaces the earlier result), [] when the platform does not test',
      items: {
        type: 'object',
        required: ['package', 'arch', 'state', 'taskId', 'stages'],
        properties: {
          package: str,
          arch: str,
          state: { type: 'string', description: 'passed | failed, or the test task state while it runs' },
          taskId: int,
          stages: { type: 'array', items: { type: 'object', required: ['name', 'state'], properties: { name: str, state: str, detail: str } } },
        },
      },
    },
    buildroot: {
      type: 'object',
      nullable: true,
      description: 'srpm and rpm tasks: the build root they ran in (root cache key, every package installed with its sha256, the repositories with the sha256 of their repomd.xml); null until recorded',
      required: ['key', 'packages', 'repos'],
      properties: {
        key: str,
        packages: { type: 'array', items: { type: 'object', required: ['nevra', 'sha256'], properties: { nevra: str, sha256: nullableStr } } },
        repos: { type: 'array', items: { type: 'object', required: ['url', 'checksum'], properties: { url: str, checksum: str } } },
      },
    },
  },
} as const;

const itemSchema = {
  type: 'object',
  required: ['id', 'position', 'package', 'kind', 'git', 'srpmSha256', 'specPath', 'dependsOn'],
  properties: {
    id: int,
    position: int,
    package: nullableStr,
    kind: { type: 'string', enum: ['git', 'srpm'] },
    git: { type: 'object', nullable: true, required: ['url', 'ref', 'commit'], properties: { url: str, ref: str, commit: nullableStr } },
    srpmSha256: nullableStr,
    specPath: nullableStr,
    dependsOn: { type: 'array', items: int, description: 'ids of the items whose RPMs this one builds against (known once every srpm task of the build has reported)' },
    buildRequires: { type: 'array', nullable: true, items: str, description: 'BuildRequires the srpm tasks found on the nodes; null until one has reported' },
    provides: { type: 'array', nullable: true, items: str, description: 'what the binary packages provide, as the srpm tasks found it; null until one has reported' },
  },
} as const;

export const buildSchema = {
  type: 'object',
  required: [...buildSummarySchema.required, 'items', 'tasks', 'repositories', 'signed'],
  properties: {
    ...buildSummaryProperties,
    signed: { type: 'boolean', description: 'every package of the build is signed' },
    items: { type: 'array', items: itemSchema },
    tasks: { type: 'array', items: taskSchema },
    repositories: {
      type: 'array',
      description: 'dnf repositories of the packages built so far (a private build\'s URLs hold a key and need no token)',
      items: {
        type: 'object',
        required: ['platform', 'arch', 'url', 'metadataSignature'],
        properties: {
          platform: str,
          arch: str,
          url: str,
          metadataSignature: {
            type: 'object',
            nullable: true,
            required: ['keyid', 'signedAt'],
            description: 'the signature over the current repomd.xml (served as repodata/repomd.xml.asc); null when it is not signed',
            properties: { keyid: str, signedAt: { type: 'integer' } },
          },
        },
      },
    },
  },
} as const;

const taskCounts = Object.fromEntries(taskState.enum.map((state) => [state, int])) as Record<(typeof taskState.enum)[number], typeof int>;

/** A build as the feed lists it: the summary and, compactly, what a feed shows of it. */
export const buildListItemSchema = {
  type: 'object',
  required: [...buildSummarySchema.required, 'sources', 'sourceCount', 'packages', 'tasks', 'signed', 'signedAt', 'released'],
  properties: {
    ...buildSummaryProperties,
    sources: {
      type: 'array',
      description: 'the first 10 sources, in order (sourceCount says how many there are)',
      items: {
        type: 'object',
        required: ['package', 'kind', 'url', 'ref', 'commit', 'srpmSha256'],
        properties: { package: nullableStr, kind: { type: 'string', enum: ['git', 'srpm'] }, url: nullableStr, ref: nullableStr, commit: nullableStr, srpmSha256: nullableStr },
      },
    },
    sourceCount: int,
    packages: { type: 'array', items: str, description: 'source package names of the first 100 sources, each once' },
    tasks: {
      type: 'object',
      description: 'how many of the build\'s tasks (every kind) are in each state, and in all',
      required: ['total', ...taskState.enum],
      properties: { total: int, ...taskCounts },
    },
    signed: { type: 'boolean', description: 'every package of the build is signed' },
    signedAt: { ...nullableInt, description: 'when its last package was signed' },
    released: { type: 'boolean', description: 'the build is in a release that is released (published, not reverted)' },
    matches: { type: 'array', items: str, description: 'with a package search (q, nevra or package): the NEVRAs of its packages that matched (at most 10)' },
  },
} as const;

export const buildPageSchema = {
  type: 'object',
  required: ['builds', 'total', 'totalExact', 'limit', 'offset', 'nextBefore'],
  properties: {
    builds: { type: 'array', items: buildListItemSchema },
    total: { type: 'integer', description: 'builds matching (the cursor aside): exact when totalExact, else a lower bound (with filters besides state, counting stops at 1000)' },
    totalExact: { type: 'boolean' },
    limit: int,
    offset: int,
    nextBefore: { type: 'integer', nullable: true, description: 'the before of the next (older) page; null on the last page' },
  },
} as const;

/** Characters of package names, versions, releases, arches and epochs. */
const NEVRA_CHARS = 'A-Za-z0-9._+~^:-';

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: { type: 'integer', minimum: 0, maximum: MAX_INT, default: 0 },
    before: { ...idInteger, description: 'a cursor: only builds older than this id (the nextBefore of the page before); not with offset' },
    state: buildState,
    owner: { ...nameString, description: 'user name of the owner' },
    platform: { ...nameString, description: 'built for this platform' },
    arch: { type: 'string', minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_]+$', description: 'the build builds for this arch: one of its srpm (src) or rpm tasks (noarch, x86_64, …) has it' },
    package: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._+~^-]+$', description: 'a source of the build, or a package it made, has this name' },
    nevra: { type: 'string', minLength: 1, maxLength: 512, pattern: `^[${NEVRA_CHARS}]+$`, description: 'the build made this package: name-[epoch:]version-release.arch (any case; without an epoch, any epoch)' },
    ref: line(255, { minLength: 1, description: 'a git source of the build is at this ref, as given at submit (branch, tag, refs/…, commit)' }),
    signed: { type: 'boolean', description: 'every package of the build is signed (true) or not (false)' },
    released: { type: 'boolean', description: 'the build is (true) or is not (false) in a released release' },
    q: { type: 'string', maxLength: 512, pattern: `^[ #${NEVRA_CHARS}]*$`, description: 'search: a build id, or the start of a NEVRA (or file name) of a package the build made, or of a source package name; any case' },
  },
} as const;

export const logsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    task: { ...idInteger, description: 'only this task' },
    after: { type: 'string', maxLength: 16384, description: 'SEQ (with task) or the cursor a previous answer returned (TASK:SEQ,…)' },
  },
} as const;

export const logPageSchema = {
  type: 'object',
  required: ['buildState', 'tasks', 'chunks', 'cursor', 'more'],
  properties: {
    buildState,
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'package', 'platform', 'arch', 'kind', 'state'],
        properties: { id: int, package: nullableStr, platform: str, arch: str, kind: str, state: taskState },
      },
    },
    chunks: { type: 'array', items: { type: 'object', required: ['taskId', 'seq', 'at', 'text'], properties: { taskId: int, seq: int, at: int, text: str } } },
    cursor: str,
    more: { type: 'boolean' },
  },
} as const;

export const eventsSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'at', 'kind', 'nodeId', 'message'],
    properties: { id: int, at: int, kind: str, nodeId: nullableInt, message: str },
  },
} as const;

export const uploadedSrpmSchema = {
  type: 'object',
  required: ['sha256', 'size', 'name', 'nevra'],
  properties: { sha256: str, size: int, name: str, nevra: str },
} as const;
