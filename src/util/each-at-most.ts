/** Running async work over a list with a bounded number at once. A leaf module (imports nothing of ours). */

/**
 * Runs `fn` over `items`, at most `width` at once, in order of start. The first failure stops
 * starting new ones; it is thrown once those running have ended.
 */
export async function eachAtMost<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  const ends = await Promise.allSettled(
    Array.from({ length: Math.min(width, items.length) }, () =>
      worker().catch((e: unknown) => {
        failed = true;
        throw e;
      }),
    ),
  );
  const error = ends.find((e): e is PromiseRejectedResult => e.status === 'rejected');
  if (error) throw error.reason;
}
