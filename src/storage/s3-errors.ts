/**
 * What went wrong talking to S3, in one line: the AWS SDK's errors (service errors with an HTTP
 * status, network errors with a code, a credentials provider finding nothing) turned into the
 * phrase a person acts on, and the error a request gets when the store cannot answer (503).
 */
import { DistforgeError } from '../errors.ts';
import type { S3Settings } from './store-settings.ts';

/** The artifact store did not answer as it should (unreachable, refused, misconfigured): 503. */
export class StoreUnavailableError extends DistforgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unavailable', message, { status: 503, ...options });
  }
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status S3 answered with, when it answered. */
export function s3Status(e: unknown): number | undefined {
  return (e as SdkError | null)?.$metadata?.httpStatusCode;
}

/** Whether S3 said the object does not exist. */
export function isNotFound(e: unknown): boolean {
  const name = (e as SdkError | null)?.name;
  return name === 'NotFound' || name === 'NoSuchKey' || s3Status(e) === 404;
}

/** The network error's code (ECONNREFUSED, ENOTFOUND, …) when the request never got an answer. */
function networkCode(e: unknown): string | undefined {
  const err = e as SdkError | null;
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) return err.code;
  const cause = (e as { cause?: unknown } | null)?.cause;
  return cause && cause !== e ? networkCode(cause) : undefined;
}

/** One line saying why a request failed. */
export function s3Reason(e: unknown): string {
  const err = (e ?? {}) as SdkError;
  const network = networkCode(e);
  if (network) return network;
  const status = s3Status(e);
  const what = [err.name && err.name !== 'Error' ? err.name : err.Code, err.message && err.message !== 'UnknownError' ? err.message : undefined].filter(Boolean).join(': ');
  return status === undefined ? what || String(e) : `HTTP ${status}${what ? ` ${what}` : ''}`;
}

/** Why the bucket of `s` cannot be used, as one line naming the bucket, the endpoint and what to change. */
export function bucketProblem(s: S3Settings, e: unknown): string {
  const where = `S3 bucket "${s.bucket}" at ${s.endpoint ?? `AWS region ${s.region}`}`;
  const name = (e as SdkError | null)?.name ?? '';
  if (name === 'CredentialsProviderError' || /credential/i.test(name)) {
    return `no credentials for ${where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the config file's store.accessKeyId and store.secretAccessKey)`;
  }
  const network = networkCode(e);
  if (network) {
    const hint = network === 'ENOTFOUND' && !s.forcePathStyle ? ' (the bucket is looked up as a host name: for MinIO or Ceph RGW use path-style addressing, --s3-path-style)' : '';
    return `cannot reach ${where}: ${network}${hint}`;
  }
  switch (s3Status(e)) {
    case 404:
      return `${where} does not exist (create it first)`;
    case 401:
    case 403:
      return `${where} refused access (HTTP ${s3Status(e)}): check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the bucket's policy`;
    case 301:
      return `${where} is in another region than ${s.region}: set AWS_REGION or --s3-region`;
    default:
      return `${where} does not answer as S3 does: ${s3Reason(e)}`;
  }
}
