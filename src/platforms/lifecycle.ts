/**
 * Where a platform is in its life, from its release table (`lifecycle`) and a day: `supported`
 * until the end of active support, `security-only` until the end of security support, then
 * `end-of-life`; and how many days it was released after its upstream (`lagDays`).
 *
 * End dates are the last day of that support, as release tables list them: a platform whose
 * security support ends on 2032-05-31 is end-of-life from 2032-06-01. Days are UTC days of the
 * clock given (the context's `ctx.now()`, so tests can set the time). A platform without end
 * dates is `supported`: nothing says otherwise.
 *
 * The release system calls {@link refuseIfEndOfLife} before it makes a release.
 */
import { DistforgeError } from '../errors.ts';
import type { Platform, PlatformLifecycle } from './types.ts';

/** supported → security-only → end-of-life. */
export const LIFECYCLE_STATES = ['supported', 'security-only', 'end-of-life'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** What the API adds to a platform: computed from its lifecycle and the master's clock. */
export interface LifecycleStatus {
  /** The state on `asOf`. */
  state: LifecycleState;
  /** Days from the upstream's release to this platform's (lifecycle.releaseDate − upstreamReleaseDate); null when either is unknown. */
  lagDays: number | null;
  /** The UTC day the state is for (YYYY-MM-DD). */
  asOf: string;
}

/** A platform that reached the end of its security support: nothing new is released for it. */
export class EndOfLifeError extends DistforgeError {
  readonly platform: string;
  readonly endOfLife: string;

  constructor(platform: string, endOfLife: string) {
    super('end_of_life', `platform ${platform} reached its end of life on ${endOfLife}`, { status: 409 });
    this.platform = platform;
    this.endOfLife = endOfLife;
  }
}

const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) of a time in milliseconds. */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Whole days from day `from` to day `to` (both YYYY-MM-DD; negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The platform's state on the UTC day of `now` (milliseconds, e.g. `ctx.now()`). */
export function platformLifecycleState(platform: Pick<Platform, 'lifecycle'>, now: number): LifecycleState {
  const today = utcDay(now);
  const l = platform.lifecycle;
  if (l?.endOfSecuritySupport !== undefined && today > l.endOfSecuritySupport) return 'end-of-life';
  if (l?.endOfActiveSupport !== undefined && today > l.endOfActiveSupport) return 'security-only';
  return 'supported';
}

/** Days the platform was released after its upstream, or null when either date is unknown. */
export function lagDays(lifecycle: PlatformLifecycle | undefined): number | null {
  if (lifecycle?.releaseDate === undefined || lifecycle.upstreamReleaseDate === undefined) return null;
  return daysBetween(lifecycle.upstreamReleaseDate, lifecycle.releaseDate);
}

/** The computed fields of a platform on the UTC day of `now`. */
export function lifecycleStatus(platform: Pick<Platform, 'lifecycle'>, now: number): LifecycleStatus {
  return { state: platformLifecycleState(platform, now), lagDays: lagDays(platform.lifecycle), asOf: utcDay(now) };
}

/** The platform with its computed lifecycle status, as the API answers it. */
export function withLifecycleStatus<P extends Pick<Platform, 'lifecycle'>>(platform: P, now: number): P & { lifecycleStatus: LifecycleStatus } {
  return { ...platform, lifecycleStatus: lifecycleStatus(platform, now) };
}

/**
 * Refuses what must not happen on a platform past its end of security support (a new release).
 * @throws EndOfLifeError (409 `end_of_life`): "platform P reached its end of life on DATE"
 */
export function refuseIfEndOfLife(platform: Pick<Platform, 'name' | 'lifecycle'>, now: number): void {
  const end = platform.lifecycle?.endOfSecuritySupport;
  if (end !== undefined && platformLifecycleState(platform, now) === 'end-of-life') throw new EndOfLifeError(platform.name, end);
}

/**
 * A stored or given lifecycle with its old field name read as the new one: `endOfSupport` (before
 * the release table had both ends) is `endOfSecuritySupport`. Anything else is left as it is.
 */
export function renameLegacyLifecycle(lifecycle: unknown): unknown {
  if (typeof lifecycle !== 'object' || lifecycle === null || Array.isArray(lifecycle) || !('endOfSupport' in lifecycle)) return lifecycle;
  const { endOfSupport, ...rest } = lifecycle as Record<string, unknown>;
  return 'endOfSecuritySupport' in rest ? lifecycle : { ...rest, endOfSecuritySupport: endOfSupport };
}
