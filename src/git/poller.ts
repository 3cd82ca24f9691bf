/**
 * The poller: every tick it syncs the mirrors that are due (next_poll_at passed), at most
 * `concurrency` at once, then builds the pending events. Due times are spread with jitter and
 * pushed back after failures (schedule.ts), so thousands of mirrors are asked a few at a time,
 * never all together, and a failing upstream is asked less and less often.
 */
import type { Context } from '../context.ts';
import { processPendingEvents } from './events.ts';
import type { ProcessCounter } from './git-cli.ts';
import { gitDb, type MirrorRow } from './schema.ts';
import { syncMirror } from './sync.ts';
import type { CycleStats, SyncVia } from './types.ts';

export interface PollOptions {
  intervalS: number;
  concurrency: number;
  via?: SyncVia;
  counter?: ProcessCounter;
  /** See SyncOptions.readFiles. */
  readFiles?: boolean;
}

const BATCH = 500;

/** Runs `fn` over `items`, at most `limit` at once. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

async function dueMirrors(ctx: Context, after: number): Promise<MirrorRow[]> {
  const now = ctx.now();
  return gitDb(ctx)
    .selectFrom('git_mirrors')
    .selectAll()
    .where('next_poll_at', '<=', now)
    .where('id', '>', after)
    .where((eb) => eb.or([eb('sync_until', 'is', null), eb('sync_until', '<', now)]))
    .orderBy('id')
    .limit(BATCH)
    .execute();
}

/** Syncs every mirror that is due now; returns the counts. Failures are recorded on the mirrors. */
export async function pollDueMirrors(ctx: Context, o: PollOptions): Promise<CycleStats> {
  const counter = o.counter ?? { processes: 0 };
  const stats: CycleStats = { mirrors: 0, changed: 0, failed: 0, processes: 0 };
  for (let after = 0; ; ) {
    const rows = await dueMirrors(ctx, after);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]?.id ?? after;
    await forEachLimited(rows, o.concurrency, async (row) => {
      stats.mirrors += 1;
      try {
        const r = await syncMirror(ctx, row, { via: o.via ?? 'poll', intervalS: o.intervalS, counter, ...(o.readFiles !== undefined && { readFiles: o.readFiles }) });
        if (r?.changed) stats.changed += 1;
      } catch {
        stats.failed += 1;
      }
    });
  }
  stats.processes = counter.processes;
  return stats;
}

export interface GitPoller {
  /** Stops ticking and waits for a cycle in progress. */
  stop(): Promise<void>;
}

/** Starts polling every `tickMs` (default 1 s). */
export function startGitPoller(ctx: Context, o: PollOptions & { tickMs?: number }): GitPoller {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const tick = (): void => {
    current = (async () => {
      try {
        await pollDueMirrors(ctx, o);
        await processPendingEvents(ctx);
      } catch (e) {
        ctx.log.error({ err: e }, 'git poller cycle failed');
      }
    })().finally(() => {
      if (!stopped) timer = setTimeout(tick, o.tickMs ?? 1000);
    });
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
