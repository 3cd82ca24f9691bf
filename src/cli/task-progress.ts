/**
 * The status lines of a command waiting for tasks (`build submit|test|sign --wait`, `release
 * commit`): how many are done of how many, which run now (package, arch, kind, the node and for
 * how long), and a permanent line for each failure as it happens. Only drawn when the command's
 * {@link Progress} is live: otherwise nothing here makes a request or prints a thing.
 *
 * Where a task runs is not in the build's view: it comes from the task's newest `leased` event
 * (`GET /tasks/ID/events`: the node's id and when), and the node's name from `GET /nodes`, asked
 * once per lease and cached. A lookup that fails (a token that may not list nodes) only leaves
 * the node out.
 */
import type { ApiClient } from './client.ts';
import { bar, formatElapsed, type Line, type Progress } from './progress.ts';

/** What a task needs to be shown: the fields of the API's task view used here. */
export interface WatchedTask {
  id: number;
  kind: string;
  package: string | null;
  platform: string;
  arch: string;
  state: string;
  attempt: number;
  failureReason: string | null;
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);
/** Running tasks listed one per line; more are counted. */
const MAX_RUNNING_LINES = 4;
const MIN_WIDTH_FOR_BAR = 70;

/** `task 14 greeter x86_64 (rpm)`; a sign-repo task names its platform. */
export function taskLabel(t: WatchedTask): string {
  return `task ${t.id} ${t.package ?? t.platform} ${t.arch} (${t.kind})`;
}

/** Where and since when a leased task runs (null: not known). */
export interface Lease {
  node: string | null;
  since: number | null;
}

/** Finds where tasks run: their newest `leased` event and the node's name. */
export class LeaseLookup {
  readonly #leases = new Map<number, Promise<Lease>>();
  #names = new Map<number, string>();
  #namesAsked: Promise<void> | null = null;

  constructor(private readonly client: ApiClient) {}

  /** Where the leased task `taskId` runs, asked once while it stays leased. */
  lease(taskId: number): Promise<Lease> {
    let lease = this.#leases.get(taskId);
    if (!lease) {
      lease = this.#ask(taskId);
      this.#leases.set(taskId, lease);
    }
    return lease;
  }

  /** Forgets what was found of tasks no longer leased (a later lease is asked again). */
  keepOnly(leased: readonly number[]): void {
    for (const id of this.#leases.keys()) if (!leased.includes(id)) this.#leases.delete(id);
  }

  /** ` on NODE for 12s`, or as much of it as is known. */
  static where(lease: Lease, now: number): string {
    return `${lease.node ? ` on ${lease.node}` : ''}${lease.since !== null ? ` for ${formatElapsed(now - lease.since)}` : ''}`;
  }

  async #ask(taskId: number): Promise<Lease> {
    try {
      const events = await this.client.get<{ at: number; kind: string; nodeId: number | null }[]>(`/tasks/${taskId}/events`);
      const leased = events.filter((e) => e.kind === 'leased').at(-1);
      if (!leased) return { node: null, since: null };
      return { node: leased.nodeId === null ? null : await this.#name(leased.nodeId), since: leased.at };
    } catch {
      return { node: null, since: null };
    }
  }

  async #name(id: number): Promise<string | null> {
    if (!this.#names.has(id)) {
      // One request for every name; asked again only for a node that was not there.
      this.#namesAsked ??= this.client
        .get<{ id: number; name: string }[]>('/nodes')
        .then((nodes) => void (this.#names = new Map(nodes.map((n) => [n.id, n.name]))))
        .catch(() => undefined);
      await this.#namesAsked;
      if (!this.#names.has(id)) this.#namesAsked = null;
    }
    return this.#names.get(id) ?? null;
  }
}

export interface TaskBoardOptions {
  /** The first words of the status: `build 12`. */
  title: string;
  /** Kinds whose failures get a permanent line as they happen (default: every kind). */
  noteFailuresOf?: readonly string[];
  /** Said before a failure: `build 12: `. */
  notePrefix?: string;
}

/** Status lines and failure notes for a set of tasks, redrawn as the command polls. */
export class TaskBoard {
  readonly #leases: LeaseLookup;
  readonly #noted = new Set<string>();
  #tasks: WatchedTask[] = [];
  #running: { task: WatchedTask; lease: Lease }[] = [];
  #phase = '';

  constructor(
    private readonly progress: Progress,
    client: ApiClient,
    private readonly options: TaskBoardOptions,
  ) {
    this.#leases = new LeaseLookup(client);
  }

  /**
   * Takes the tasks as the command's last poll saw them: notes new failures, finds where the
   * running ones run, redraws. `phase` is what the command waits for now (`signing`). Does
   * nothing unless live.
   */
  async update(tasks: WatchedTask[], phase = ''): Promise<void> {
    if (!this.progress.live) return;
    const running = tasks.filter((t) => t.state === 'leased');
    this.#leases.keepOnly(running.map((t) => t.id));
    const shown = running.slice(0, MAX_RUNNING_LINES);
    // Everything known before anything is drawn: a note redraws the status lines below it.
    this.#running = await Promise.all(shown.map(async (task) => ({ task, lease: await this.#leases.lease(task.id) })));
    this.#tasks = tasks;
    this.#phase = phase;
    for (const t of tasks.filter((x) => x.state === 'failed')) {
      const key = `${t.id}:${t.attempt}`;
      if (this.#noted.has(key)) continue;
      this.#noted.add(key);
      if (this.options.noteFailuresOf && !this.options.noteFailuresOf.includes(t.kind)) continue;
      this.progress.note([this.options.notePrefix ?? '', `${taskLabel(t)} `, ['failed', 'red'], t.failureReason ? `: ${t.failureReason}` : '']);
    }
    this.progress.status((width) => this.#lines(width));
  }

  #lines(width: number): Line[] {
    const tasks = this.#tasks;
    const count = (state: string): number => tasks.filter((t) => t.state === state).length;
    const done = tasks.filter((t) => ENDED.has(t.state)).length;
    const parts = [
      count('leased') && `${count('leased')} running`,
      count('queued') && `${count('queued')} queued`,
      count('blocked') && `${count('blocked')} blocked`,
    ].filter(Boolean);
    const failed = count('failed');
    const cancelled = count('cancelled');
    const head: Line = [
      [this.options.title, 'bold'],
      this.#phase ? ` ${this.#phase}` : '',
      // The bar where there is room for it and the counts.
      `${width >= MIN_WIDTH_FOR_BAR ? ` ${bar(done, tasks.length)}` : ''} ${done}/${tasks.length} tasks done`,
      parts.length ? `, ${parts.join(', ')}` : '',
      failed ? ', ' : '',
      failed ? [`${failed} failed`, 'red'] : '',
      cancelled ? `, ${cancelled} cancelled` : '',
      ['  ', 'dim'],
      [this.progress.elapsed(), 'dim'],
    ];
    const now = this.progress.now();
    const lines: Line[] = [head];
    for (const { task, lease } of this.#running) {
      lines.push([`  ${taskLabel(task)}`, task.attempt > 1 ? ` try ${task.attempt}` : '', [LeaseLookup.where(lease, now), 'dim']]);
    }
    const more = count('leased') - this.#running.length;
    if (more > 0) lines.push([[`  and ${more} more running`, 'dim']]);
    return lines;
  }
}
