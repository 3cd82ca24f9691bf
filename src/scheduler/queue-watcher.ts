/**
 * Waiting for work (long-poll leases): a node may ask for a task and wait up to N seconds instead
 * of polling. The QueueWatcher keeps the waiting nodes in line (first come, first woken) and,
 * only while someone waits, reads every `periodMs` how many tasks are queued per arch (a bounded
 * read, no writes, across every master replica since it reads the database). For each queued
 * task it wakes one waiting node that serves its arch (any node for `noarch` and `src`); the
 * woken node tries to lease and, if another took the task first, waits again at the back of the
 * line. A node that gets no task before its time is up, or when the server closes, is answered
 * with nothing (204) and asks again.
 */
import type { Context } from '../context.ts';
import { ANY_NODE_ARCHES } from './lease.ts';

/** Why a wait ended. */
export type WaitOutcome = 'work' | 'timeout' | 'closed' | 'aborted';

interface Waiter {
  arches: ReadonlySet<string>;
  /** Task kinds it takes (all when null). */
  kinds: ReadonlySet<string> | null;
  done: (outcome: WaitOutcome) => void;
}

/** Queued tasks read per look: enough to wake every waiting node, however long the queue. */
function lookLimit(waiting: number): number {
  return Math.min(5000, 2 * waiting + 20);
}

export class QueueWatcher {
  readonly #ctx: Context;
  readonly #periodMs: number;
  #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | null = null;
  #looking = false;
  #closed = false;

  /** Watches the queue of `ctx`'s database every `periodMs` while nodes wait. */
  constructor(ctx: Context, periodMs = 20) {
    this.#ctx = ctx;
    this.#periodMs = periodMs;
  }

  /** Whether close() was called (the server is shutting down). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Nodes waiting now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Waits until a task of one of `arches` (or noarch/src) and of one of `kinds` (default any) is
   * queued ('work'), `timeoutMs` passes ('timeout'), `signal` aborts ('aborted'), or the watcher
   * closes ('closed').
   */
  wait(arches: readonly string[], timeoutMs: number, signal?: AbortSignal, kinds?: readonly string[]): Promise<WaitOutcome> {
    if (this.#closed) return Promise.resolve('closed');
    if (signal?.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const waiter: Waiter = {
        arches: new Set([...arches, ...ANY_NODE_ARCHES]),
        kinds: kinds ? new Set(kinds) : null,
        done: (outcome) => {
          clearTimeout(timeout);
          signal?.removeEventListener('abort', onAbort);
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          resolve(outcome);
        },
      };
      const onAbort = (): void => waiter.done('aborted');
      const timeout = setTimeout(() => waiter.done('timeout'), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#schedule();
    });
  }

  /** Answers every waiting node ('closed') and stops watching. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const w of [...this.#waiters]) w.done('closed');
  }

  #schedule(): void {
    if (this.#timer || this.#closed || this.#waiters.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.check().finally(() => this.#schedule());
    }, this.#periodMs);
  }

  /** Reads the queued tasks per arch now and wakes one waiting node per task it can take (the
   * timer calls it every periodMs while nodes wait). */
  async check(): Promise<void> {
    if (this.#looking || this.#waiters.length === 0) return;
    this.#looking = true;
    try {
      const rows = await this.#ctx.db.kysely
        .selectFrom((db) => db.selectFrom('tasks').select(['arch', 'kind']).where('state', '=', 'queued').limit(lookLimit(this.#waiters.length)).as('q'))
        .select((eb) => ['q.arch', 'q.kind', eb.fn.countAll<number>().as('n')])
        .groupBy(['q.arch', 'q.kind'])
        .execute();
      for (const { arch, kind, n } of rows) {
        let left = Number(n);
        for (const w of [...this.#waiters]) {
          if (left === 0) break;
          if (!w.arches.has(arch) || (w.kinds !== null && !w.kinds.has(kind))) continue;
          w.done('work');
          left--;
        }
      }
    } catch (e) {
      this.#ctx.log.error({ err: e }, 'watching the task queue failed');
    } finally {
      this.#looking = false;
    }
  }
}
