/** The grace period of the store's garbage collection: blobs written more recently are kept. */
import { BadGraceError } from './errors.ts';

/** The grace period unless one is given: a day. */
export const DEFAULT_GRACE_SECONDS = 24 * 3600;
/**
 * The shortest grace period: an hour. An upload is recorded moments after it is stored, and a put
 * of a blob already there leaves its time at most PUT_REFRESH_MS (10 min) old.
 */
export const MIN_GRACE_SECONDS = 3600;
/** The longest: ten years (beyond it nothing would ever be collected anyway). */
export const MAX_GRACE_SECONDS = 10 * 365 * 24 * 3600;

/** The grace period in seconds, checked. @throws BadGraceError (400) */
export function checkGraceSeconds(graceSeconds: number): number {
  if (!Number.isSafeInteger(graceSeconds) || graceSeconds < MIN_GRACE_SECONDS || graceSeconds > MAX_GRACE_SECONDS) {
    throw new BadGraceError(`the grace period must be a whole number of seconds from ${MIN_GRACE_SECONDS} (1 h) to ${MAX_GRACE_SECONDS} (10 years), not ${graceSeconds}`);
  }
  return graceSeconds;
}
