/**
 * When a mirror is polled next: its interval give or take 10 % after a success (so mirrors
 * registered together drift apart), doubling after each failure in a row up to the larger of six
 * hours and the interval, and a first poll spread at random over one interval (a thousand mirrors
 * registered at once are not all asked at once).
 */

const MAX_BACKOFF_MS = 6 * 3600_000;

/** A factor from 0.9 to 1.1. */
function jitter(random: () => number): number {
  return 0.9 + 0.2 * random();
}

/** The next poll after a sync: `failures` is the count of failures in a row (0 after a success). */
export function nextPollAt(now: number, intervalS: number, failures: number, random: () => number = Math.random): number {
  const base = intervalS * 1000;
  const delay = failures === 0 ? base : Math.min(base * 2 ** Math.min(failures, 30), Math.max(MAX_BACKOFF_MS, base));
  return now + Math.round(delay * jitter(random));
}

/** The first poll of a new mirror: anywhere in the next `spreadS` seconds. */
export function firstPollAt(now: number, spreadS: number, random: () => number = Math.random): number {
  return now + Math.round(spreadS * 1000 * random());
}
