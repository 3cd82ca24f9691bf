/**
 * The node process's main loop (`distforge node`): say hello to the master with what this node
 * builds, then lease tasks and run them, up to `maxConcurrency` at a time, until stopped.
 *
 * - No task (204): wait `pollMs` and ask again. The master unreachable or answering with an error:
 *   log it and back off (doubling up to 30 s); a refused token stops the node.
 * - Each running task is kept alive with a heartbeat every third of its lease; a 409 means the
 *   master took it back: the build is killed and nothing more is sent for it.
 * - {@link NodeAgent.stop} stops leasing and aborts the running builds (their leases expire and
 *   the master hands them out again).
 * - One node per work directory; a start clears what a killed earlier run left there (work-root.ts).
 */
import { NodeClient, type HelloResponse } from './client.ts';
import { LeaseLostError, NodeApiError } from './errors.ts';
import { checkServedArches } from './host.ts';
import { runTask, type NodeLogger, type TaskOutcome } from './task-runner.ts';
import { runTestTask } from './test-task.ts';
import type { LeasedTask } from './types.ts';
import { claimWorkRoot, type WorkRoot } from './work-root.ts';
import { expireRoots, RootCache } from './buildroot/root-cache.ts';
import { join } from 'node:path';

export interface AgentOptions {
  /** The master's URL, or several masters' on one database (tried in turn when one does not answer). */
  server: string | readonly string[];
  token: string;
  /** Arches to serve; default every arch this host builds. Each must be buildable here. */
  arches: string[];
  capabilities?: string[];
  maxConcurrency?: number;
  /** Directory for the tasks' work dirs. */
  workDir: string;
  /** How long the master may hold a lease request while nothing is queued (s); default 20; 0 polls. */
  waitSeconds?: number;
  /** How long to wait after an empty lease (ms); default 2000 when polling, 100 when waiting. */
  pollMs?: number;
  buildHost?: string;
  keepWork?: boolean;
  /** Build roots and dnf package caches (kept across runs); default WORK/cache. */
  cacheDir?: string;
  /** Cached roots unused for longer than this are removed (default 7 days). */
  rootMaxAgeMs?: number;
  /** Total size of cached roots kept (default 20 GiB). */
  rootMaxBytes?: number;
  log: NodeLogger;
  /** Runs a leased task instead of building it (the signer signs); default runTask. */
  runTask?: (task: LeasedTask, signal: AbortSignal, onLeaseLost: (e: LeaseLostError) => void) => Promise<TaskOutcome>;
  /** Called after each successful hello (the signer registers its public keys). */
  afterHello?: (client: NodeClient) => Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;

/** Heartbeat interval for a lease that expires at `expiresAt`: a third of what is left, at least 200 ms. */
export function heartbeatInterval(expiresAt: number, now: number): number {
  return Math.max(200, Math.floor((expiresAt - now) / 3));
}

export class NodeAgent {
  readonly client: NodeClient;
  readonly arches: string[];
  readonly #o: AgentOptions;
  readonly #running = new Map<number, { promise: Promise<TaskOutcome>; abort: AbortController }>();
  readonly #stop = new AbortController();
  /** Outcomes of finished tasks, by task id (for tests and the final summary). */
  readonly outcomes = new Map<number, TaskOutcome>();
  identity: HelloResponse | null = null;

  /** The node's build roots (cached base sets) and dnf package caches. */
  readonly rootCache: RootCache;

  constructor(options: AgentOptions) {
    this.#o = options;
    this.arches = checkServedArches(options.arches);
    this.client = new NodeClient(options.server, options.token, {
      onSwitch: (from, to, reason) => options.log.warn({ from, to, reason }, 'the master does not answer: moving to the next one'),
    });
    this.rootCache = new RootCache({
      dir: options.cacheDir ?? join(options.workDir, 'cache'),
      ...(options.rootMaxAgeMs !== undefined ? { maxAgeMs: options.rootMaxAgeMs } : {}),
      ...(options.rootMaxBytes !== undefined ? { maxBytes: options.rootMaxBytes } : {}),
    });
  }

  get #waitSeconds(): number {
    return Math.min(60, Math.max(0, Math.floor(this.#o.waitSeconds ?? 20)));
  }

  get maxConcurrency(): number {
    return Math.max(1, this.#o.maxConcurrency ?? 1);
  }

  /** Stops leasing and aborts running tasks; {@link run} then returns. */
  stop(): void {
    this.#stop.abort();
    for (const t of this.#running.values()) t.abort.abort(new Error('node stopping'));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stop.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.#stop.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Says hello (registering arches, capabilities, concurrency) and remembers who we are. */
  async hello(): Promise<HelloResponse> {
    this.identity = await this.client.hello({ arches: this.arches, capabilities: this.#o.capabilities ?? ['build'], maxConcurrency: this.maxConcurrency });
    const { nodeId, name, arches, capabilities, notGranted } = this.identity;
    this.#o.log.info({ nodeId, name, arches, capabilities }, 'registered with the master');
    if (notGranted && (notGranted.arches.length > 0 || notGranted.capabilities.length > 0)) {
      this.#o.log.warn({ nodeId, name, notGranted }, 'the master serves this node only what an admin granted it; the rest of what it advertised is ignored');
    }
    await this.#o.afterHello?.(this.client);
    return this.identity;
  }

  /** Says hello until the master answers (backing off while it is unreachable); a refused token throws. */
  async #helloUntilAnswered(): Promise<boolean> {
    let backoff = 1000;
    while (!this.#stop.signal.aborted) {
      try {
        await this.hello();
        return true;
      } catch (e) {
        if (!(e instanceof NodeApiError) || (e.httpStatus !== 0 && e.httpStatus < 500)) throw e;
        this.#o.log.warn({ err: e.message, retryInMs: backoff }, 'master not answering');
        await this.#sleep(backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
    return false;
  }

  #root: WorkRoot | null = null;

  /**
   * Takes the work root for this node (work-root.ts), removing the work directories an earlier run
   * left; {@link run} does it when it was not done before. Call it first to be refused before
   * anything else starts.
   * @throws UsageError when another node uses the work root.
   */
  claimWorkRoot(): WorkRoot {
    if (this.#root) return this.#root;
    const root = claimWorkRoot(this.#o.workDir, { keepWork: this.#o.keepWork ?? false });
    if (root.removed.length > 0) this.#o.log.info({ workDir: root.dir, removed: root.removed }, 'removed the work directories an earlier run left behind');
    const expired = expireRoots(this.rootCache.settings);
    if (expired.length > 0) this.#o.log.info({ expired }, 'removed expired build roots from the cache');
    this.#root = root;
    return root;
  }

  /**
   * Runs until {@link stop}; resolves once running tasks have ended. Holds the work root meanwhile.
   * @throws UsageError when another node uses the work root.
   */
  async run(): Promise<void> {
    const root = this.claimWorkRoot();
    try {
      await this.#loop();
    } finally {
      root.release();
      this.#root = null;
    }
  }

  async #loop(): Promise<void> {
    if (!(await this.#helloUntilAnswered())) return;
    let backoff = 1000;
    while (!this.#stop.signal.aborted) {
      if (this.#running.size >= this.maxConcurrency) {
        await Promise.race([...this.#running.values()].map((t) => t.promise));
        continue;
      }
      let task: LeasedTask | null;
      try {
        task = await this.client.lease(this.#waitSeconds, this.#stop.signal);
        backoff = 1000;
      } catch (e) {
        if (this.#stop.signal.aborted) break;
        if (e instanceof NodeApiError && (e.httpStatus === 401 || e.httpStatus === 403)) throw e;
        this.#o.log.warn({ err: (e as Error).message, retryInMs: backoff }, 'lease failed');
        await this.#sleep(backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        continue;
      }
      if (task === null) {
        await this.#sleep(this.#o.pollMs ?? (this.#waitSeconds > 0 ? 100 : 2000));
        continue;
      }
      this.#start(task);
    }
    await Promise.allSettled([...this.#running.values()].map((t) => t.promise));
  }

  #start(task: LeasedTask): void {
    const abort = new AbortController();
    const log = this.#o.log;
    const ids = { taskId: task.id, buildId: task.buildId, nodeId: this.identity?.nodeId };
    log.info({ ...ids, kind: task.kind, arch: task.arch, attempt: task.attempt }, 'task leased');
    const lost = (e: LeaseLostError): void => {
      if (!abort.signal.aborted) abort.abort(e);
    };
    const beat = setInterval(() => {
      this.client.heartbeat(task.id).catch((e: unknown) => {
        if (e instanceof LeaseLostError) lost(e);
        else log.warn({ ...ids, err: (e as Error).message }, 'heartbeat failed');
      });
    }, heartbeatInterval(task.leaseExpiresAt, Date.now()));
    const settings = {
      client: this.client,
      workRoot: this.#o.workDir,
      arches: this.arches,
      rootCache: this.rootCache,
      log,
      ...(this.#o.buildHost ? { buildHost: this.#o.buildHost } : {}),
      ...(this.#o.keepWork ? { keepWork: true } : {}),
    };
    const run =
      this.#o.runTask ??
      ((t: LeasedTask, signal: AbortSignal, onLost: (e: LeaseLostError) => void) => (t.kind === 'test' ? runTestTask(t, settings, signal, onLost) : runTask(t, settings, signal, onLost)));
    const promise = run(task, abort.signal, lost)
      .catch((e: unknown): TaskOutcome => {
        if (e instanceof LeaseLostError) return 'lease-lost';
        log.error({ ...ids, err: (e as Error).message }, 'task ended with an error the master was not told about');
        return 'failed';
      })
      .then((outcome) => {
        clearInterval(beat);
        this.outcomes.set(task.id, outcome);
        this.#running.delete(task.id);
        return outcome;
      });
    this.#running.set(task.id, { promise, abort });
  }
}
