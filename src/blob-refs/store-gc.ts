/**
 * Garbage collection of the artifact store (docs/scale-out.md, "Retention and garbage
 * collection"): src/storage/gc.ts run with the database's references and under the farm-wide lock
 * (gc-lock.ts), on demand (`POST /api/v1/store/gc`, `distforge store gc`) or every so often
 * (`distforge server --store-gc-interval`).
 *
 * A blob is kept when a row of the registry names it (registry.ts), or when it was written within
 * the grace period, or after the oldest task still leased started (less PUT_REFRESH_MS): what a
 * running task uploads, and the files its lease handed it, are recorded only when it completes.
 */
import type { Context } from '../context.ts';
import { collectGarbage, type BlobTally } from '../storage/gc.ts';
import { PUT_REFRESH_MS, type ListedBlob } from '../storage/store.ts';
import { StoreGcRunningError } from './errors.ts';
import { checkGraceSeconds, DEFAULT_GRACE_SECONDS } from './grace.ts';
import { withStoreGcLock } from './gc-lock.ts';
import { allReferenced, presentReferences, referencedAmong } from './referenced.ts';

export interface StoreGcOptions {
  dryRun: boolean;
  /** Default DEFAULT_GRACE_SECONDS (grace.ts); at least MIN_GRACE_SECONDS. */
  graceSeconds?: number;
  /** Who asked (for the log); default the master itself. */
  by?: string;
  /** Called once the listing is done, before anything is deleted (tests). */
  onListed?: (candidates: readonly ListedBlob[]) => Promise<void> | void;
}

/** What a collection did (or, dry, would do). */
export interface StoreGcReport {
  dryRun: boolean;
  graceSeconds: number;
  startedAt: number;
  finishedAt: number;
  /** Blobs written at or after this time (ms) were kept. */
  keepSince: number;
  scanned: BlobTally;
  referenced: BlobTally;
  recent: BlobTally;
  /** The blobs deleted (dry: that would be), oldest first. */
  blobs: { sha256: string; size: number; modifiedAt: number }[];
  /** Their bytes: the space freed. */
  bytes: number;
  /** Candidates kept after all (named or put again since the listing). */
  spared: number;
}

/** When the oldest task still leased started, or null when none is. */
async function oldestLeaseStart(ctx: Context): Promise<number | null> {
  const row = await ctx.db.kysely.selectFrom('tasks').select(({ fn }) => fn.min('started_at').as('at')).where('state', '=', 'leased').executeTakeFirst();
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

/**
 * Collects the store's garbage (or, dry, says what it would collect).
 * @throws StoreGcRunningError (409) when another collection runs; DistforgeError `bad_grace` (400)
 */
export async function runStoreGc(ctx: Context, options: StoreGcOptions): Promise<StoreGcReport> {
  const graceSeconds = checkGraceSeconds(options.graceSeconds ?? DEFAULT_GRACE_SECONDS);
  return withStoreGcLock(ctx, async () => {
    const startedAt = ctx.now();
    const refs = await presentReferences(ctx);
    const at = (): { keptSince: number } => ({ keptSince: ctx.now() - graceSeconds * 1000 });
    const result = await collectGarbage(
      ctx.store,
      {
        all: () => allReferenced(ctx, refs, at()),
        among: (sha256s) => referencedAmong(ctx, refs, at(), sha256s),
        keepSince: async () => {
          const lease = await oldestLeaseStart(ctx);
          return Math.min(at().keptSince, lease === null ? Infinity : lease - PUT_REFRESH_MS);
        },
      },
      { dryRun: options.dryRun, ...(options.onListed && { onListed: options.onListed }) },
    );
    const report: StoreGcReport = {
      dryRun: result.dryRun,
      graceSeconds,
      startedAt,
      finishedAt: ctx.now(),
      keepSince: result.keepSince,
      scanned: result.scanned,
      referenced: result.referenced,
      recent: result.recent,
      blobs: result.removed.map(({ sha256, size, modifiedAt }) => ({ sha256, size, modifiedAt })),
      bytes: result.bytes,
      spared: result.spared,
    };
    const { blobs, ...summary } = report;
    ctx.log.info({ ...summary, removed: blobs.length, by: options.by ?? 'the master' }, options.dryRun ? 'store garbage collection (dry run)' : 'store garbage collected');
    return report;
  });
}

/**
 * Collects the store's garbage every `intervalMs` (a master started with --store-gc-interval);
 * a collection another master is running is left to it. The returned function stops the loop,
 * waiting for a collection under way.
 */
export function startStoreGcLoop(ctx: Context, intervalMs: number, graceSeconds = DEFAULT_GRACE_SECONDS): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  const collect = async (): Promise<void> => {
    try {
      await runStoreGc(ctx, { dryRun: false, graceSeconds });
    } catch (e) {
      if (e instanceof StoreGcRunningError) ctx.log.info('store garbage collection skipped: another one is running');
      else ctx.log.error({ err: e }, 'store garbage collection failed');
    }
  };
  // The next collection is timed from the end of the last one: they never overlap.
  const later = (): void => {
    timer = setTimeout(() => {
      current = collect().finally(() => {
        current = undefined;
        if (!stopped) later();
      });
    }, intervalMs);
    timer.unref();
  };
  later();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await current;
  };
}
