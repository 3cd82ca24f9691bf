/**
 * Which artifact store the master uses, from its three sources: `distforge server` flags, the
 * environment and the configuration file's `store:` section (in that order of precedence). The
 * default is the local directory DATA/store.
 *
 * | setting | flag | environment | config file `store:` |
 * |---|---|---|---|
 * | where | `--store s3://BUCKET[/PREFIX]` or a directory | `DISTFORGE_STORE` | `url` |
 * | endpoint (MinIO, Ceph RGW, …) | `--s3-endpoint URL` | `DISTFORGE_S3_ENDPOINT` | `endpoint` |
 * | region (default us-east-1) | `--s3-region NAME` | `AWS_REGION` | `region` |
 * | path-style addressing | `--s3-path-style` | `DISTFORGE_S3_FORCE_PATH_STYLE=1` | `forcePathStyle: true` |
 * | presigned downloads (seconds, 0 off) | `--s3-presign-seconds N` | `DISTFORGE_S3_PRESIGN_SECONDS` | `presignSeconds` |
 * | endpoint presigned URLs name (clients reach the store there; default: the endpoint) | `--s3-public-endpoint URL` | `DISTFORGE_S3_PUBLIC_ENDPOINT` | `publicEndpoint` |
 * | credentials | – | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (or any source of the AWS SDK's default chain) | `accessKeyId`, `secretAccessKey` |
 *
 * The environment is passed in, never read here; every problem is a UsageError of one line that
 * names where the value came from.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../errors.ts';

/** Credentials given explicitly (else the AWS SDK's default chain finds them: environment, profile, instance role). */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Settings {
  kind: 's3';
  bucket: string;
  /** Key prefix ending in `/`, or '' for the bucket's top. */
  prefix: string;
  /** http(s) URL of an S3-compatible service; absent: AWS. */
  endpoint?: string;
  region: string;
  /** `ENDPOINT/BUCKET/KEY` instead of `BUCKET.ENDPOINT/KEY` (MinIO, Ceph RGW). */
  forcePathStyle: boolean;
  /** Lifetime of presigned download URLs in seconds; 0: downloads go through the master. */
  presignSeconds: number;
  /**
   * http(s) URL presigned download URLs name, when nodes and dnf clients reach the store at
   * another address than the master does (the master's `endpoint` on a private network, say);
   * absent: `endpoint`.
   */
  publicEndpoint?: string;
  credentials?: S3Credentials;
}

export interface LocalSettings {
  kind: 'local';
  /** Absolute directory. */
  dir: string;
}

export type StoreSettings = LocalSettings | S3Settings;

/** The raw values of one source (flags, environment or config file), not yet checked. */
export interface StoreSource {
  url?: string;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean | string;
  presignSeconds?: number | string;
  publicEndpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

export const DEFAULT_S3_REGION = 'us-east-1';
/** The longest a presigned URL may live (S3's own limit: a week). */
export const MAX_PRESIGN_SECONDS = 604_800;
const FILE_FIELDS = ['url', 'endpoint', 'region', 'forcePathStyle', 'presignSeconds', 'publicEndpoint', 'accessKeyId', 'secretAccessKey', 'sessionToken'] as const;

/** Bucket names as S3 allows them: 3–63 lowercase letters, digits, dots and hyphens, a letter or digit at each end. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Key prefix characters S3 calls safe. */
const PREFIX = /^[A-Za-z0-9!_.*'()/-]*$/;

/**
 * Reads `s3://BUCKET[/PREFIX]` (or a directory, relative to `cwd`).
 * @param where names the source in messages (`--store`, `DISTFORGE_STORE`, `FILE: store.url`)
 * @throws UsageError
 */
export function parseStoreUrl(url: string, where: string, cwd = process.cwd()): { kind: 's3'; bucket: string; prefix: string } | LocalSettings {
  const bad = (why: string): never => {
    throw new UsageError(`${where}: ${JSON.stringify(url)} ${why} (expected s3://BUCKET[/PREFIX] or a directory)`);
  };
  if (url === '') bad('is empty');
  if (!url.startsWith('s3://')) {
    if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) bad('is neither an s3:// URL nor a directory');
    return { kind: 'local', dir: isAbsolute(url) ? url : resolve(cwd, url) };
  }
  const rest = url.slice('s3://'.length);
  if (/[?#@\s]/.test(rest)) bad('may hold no query, fragment, credentials or spaces');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (!BUCKET.test(bucket) || bucket.includes('..')) bad(`names no valid bucket ("${bucket}": 3 to 63 lowercase letters, digits, dots and hyphens)`);
  if (!PREFIX.test(path)) bad('has a prefix with characters other than letters, digits and !_.*\'()/-');
  if (path !== '' && path.split('/').some((s) => s === '' || s === '.' || s === '..')) bad('has an empty, "." or ".." prefix segment');
  return { kind: 's3', bucket, prefix: path === '' ? '' : `${path}/` };
}

/** Checks an endpoint URL: http(s), no path, query or credentials. @throws UsageError */
function parseEndpoint(value: string, where: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`${where}: ${JSON.stringify(value)} is not a URL (expected e.g. http://127.0.0.1:9000)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${where}: ${JSON.stringify(value)} must be http:// or https://`);
  if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) {
    throw new UsageError(`${where}: ${JSON.stringify(value)} must be only a scheme, host and port (e.g. http://127.0.0.1:9000)`);
  }
  return `${u.protocol}//${u.host}`;
}

function parseFlag(value: boolean | string, where: string): boolean {
  if (typeof value === 'boolean') return value;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  throw new UsageError(`${where}: ${JSON.stringify(value)} is not a yes/no value (1, true, yes or 0, false, no)`);
}

function parseSeconds(value: number | string, where: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_PRESIGN_SECONDS) {
    throw new UsageError(`${where}: ${JSON.stringify(value)} must be a whole number of seconds from 0 (off) to ${MAX_PRESIGN_SECONDS} (a week)`);
  }
  return n;
}

/** What the environment says (only the variables above; empty ones count as unset). */
export function storeSourceFromEnv(env: NodeJS.ProcessEnv): StoreSource {
  const get = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const out: StoreSource = {};
  const set = <K extends keyof StoreSource>(key: K, value: StoreSource[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('url', get('DISTFORGE_STORE'));
  set('endpoint', get('DISTFORGE_S3_ENDPOINT'));
  set('region', get('AWS_REGION'));
  set('forcePathStyle', get('DISTFORGE_S3_FORCE_PATH_STYLE'));
  set('presignSeconds', get('DISTFORGE_S3_PRESIGN_SECONDS'));
  set('publicEndpoint', get('DISTFORGE_S3_PUBLIC_ENDPOINT'));
  return out;
}

const ENV_NAMES: Record<keyof StoreSource, string> = {
  url: 'DISTFORGE_STORE',
  endpoint: 'DISTFORGE_S3_ENDPOINT',
  region: 'AWS_REGION',
  forcePathStyle: 'DISTFORGE_S3_FORCE_PATH_STYLE',
  presignSeconds: 'DISTFORGE_S3_PRESIGN_SECONDS',
  publicEndpoint: 'DISTFORGE_S3_PUBLIC_ENDPOINT',
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
};
const FLAG_NAMES: Partial<Record<keyof StoreSource, string>> = {
  url: '--store',
  endpoint: '--s3-endpoint',
  region: '--s3-region',
  forcePathStyle: '--s3-path-style',
  presignSeconds: '--s3-presign-seconds',
  publicEndpoint: '--s3-public-endpoint',
};

/**
 * Checks the configuration file's `store:` section (a mapping of the fields above).
 * @param fail throws naming the field
 */
export function parseStoreSection(raw: unknown, fail: (field: string, problem: string) => never): StoreSource {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return fail('store', `must be a mapping (${FILE_FIELDS.join(', ')})`);
  const o = raw as Record<string, unknown>;
  const out: StoreSource = {};
  for (const [key, value] of Object.entries(o)) {
    if (!(FILE_FIELDS as readonly string[]).includes(key)) fail(`store.${key}`, `unknown field (expected ${FILE_FIELDS.join(', ')})`);
    const field = key as (typeof FILE_FIELDS)[number];
    // The YAML reader keeps numbers and booleans as they were written.
    if (field === 'forcePathStyle') {
      if (value !== true && value !== false && value !== 'true' && value !== 'false') fail('store.forcePathStyle', 'must be true or false');
      out.forcePathStyle = value === true || value === 'true';
    } else if (field === 'presignSeconds') {
      if (!(typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value)))) fail('store.presignSeconds', `must be a whole number of seconds from 0 (off) to ${MAX_PRESIGN_SECONDS}`);
      out.presignSeconds = Number(value);
    } else {
      if (typeof value !== 'string' || value === '' || value.length > 4096) fail(`store.${key}`, 'must be a non-empty string');
      out[field] = value as string;
    }
  }
  return out;
}

export interface StoreSources {
  /** `distforge server` flags (win over everything). */
  flags?: StoreSource;
  /** The environment's values (storeSourceFromEnv), over the file's. */
  env?: StoreSource;
  /** The configuration file's `store:` section, and the file (for messages and relative paths). */
  file?: { source: StoreSource; path: string };
}

/**
 * The store to use: flags over environment over configuration file; the local DATA/store when
 * none names one. S3 settings without an s3:// store are refused when given as flags (a mistake),
 * ignored from the environment or the file.
 * @throws UsageError
 */
export function resolveStoreSettings(sources: StoreSources, dataDir: string): StoreSettings {
  const { flags = {}, env = {}, file } = sources;
  const fileSource = file?.source ?? {};
  type Key = keyof StoreSource;
  const pick = <K extends Key>(key: K): { value: NonNullable<StoreSource[K]>; where: string; fromFile: boolean } | undefined => {
    for (const [source, where, fromFile] of [
      [flags, FLAG_NAMES[key] ?? key, false],
      [env, ENV_NAMES[key], false],
      [fileSource, `${file?.path ?? 'config'}: store.${key}`, true],
    ] as const) {
      const value = source[key];
      if (value !== undefined) return { value: value as NonNullable<StoreSource[K]>, where, fromFile };
    }
    return undefined;
  };
  const url = pick('url');
  // A directory in the configuration file is relative to the file.
  const where = url ? parseStoreUrl(url.value, url.where, url.fromFile && file ? dirname(file.path) : process.cwd()) : null;
  if (where === null || where.kind === 'local') {
    const stray = (Object.keys(FLAG_NAMES) as Key[]).find((k) => k !== 'url' && flags[k] !== undefined);
    if (stray) throw new UsageError(`${FLAG_NAMES[stray] ?? stray} needs an S3 store (--store s3://BUCKET[/PREFIX])`);
    return where ?? { kind: 'local', dir: resolve(dataDir, 'store') };
  }
  const endpoint = pick('endpoint');
  const region = pick('region');
  const pathStyle = pick('forcePathStyle');
  const presign = pick('presignSeconds');
  const publicEndpoint = pick('publicEndpoint');
  if (region && !/^[a-z0-9-]{1,64}$/.test(region.value)) throw new UsageError(`${region.where}: ${JSON.stringify(region.value)} is not a region name (e.g. us-east-1)`);
  const keyId = fileSource.accessKeyId;
  const secret = fileSource.secretAccessKey;
  if ((keyId === undefined) !== (secret === undefined)) {
    throw new UsageError(`${file?.path ?? 'config'}: store.accessKeyId and store.secretAccessKey go together (or leave both out to use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`);
  }
  return {
    ...where,
    region: region?.value ?? DEFAULT_S3_REGION,
    forcePathStyle: pathStyle ? parseFlag(pathStyle.value, pathStyle.where) : false,
    presignSeconds: presign ? parseSeconds(presign.value, presign.where) : 0,
    ...(endpoint && { endpoint: parseEndpoint(endpoint.value, endpoint.where) }),
    ...(publicEndpoint && { publicEndpoint: parseEndpoint(publicEndpoint.value, publicEndpoint.where) }),
    ...(keyId !== undefined && secret !== undefined && { credentials: { accessKeyId: keyId, secretAccessKey: secret, ...(fileSource.sessionToken !== undefined && { sessionToken: fileSource.sessionToken }) } }),
  };
}

/** A store's settings in one line for logs and messages (never a credential). */
export function describeStore(s: StoreSettings): string {
  if (s.kind === 'local') return s.dir;
  return `s3://${s.bucket}/${s.prefix}${s.endpoint ? ` at ${s.endpoint}` : ` (AWS ${s.region})`}`;
}
