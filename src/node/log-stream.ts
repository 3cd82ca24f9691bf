/**
 * Streaming a task's log to the master while the build runs: output is collected and sent as one
 * chunk every ~500 ms (not once per line), in order, numbered 0, 1, 2 … (`seq`), one request at a
 * time. {@link LogStreamer.close} sends what is left and waits for it.
 *
 * Sending is best effort: a chunk the master does not take is reported to `onError` and dropped
 * (the full log is uploaded as an artifact at the end anyway); a lost lease is reported too, so the
 * caller can stop the build.
 */

import { LeaseLostError } from './errors.ts';

/** Largest chunk sent in one request (characters). */
export const MAX_CHUNK = 256 * 1024;

export class LogStreamer {
  #buffer = '';
  #seq = 0;
  #sending: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    private readonly send: (seq: number, text: string) => Promise<void>,
    private readonly onError: (e: unknown) => void,
    private readonly intervalMs = 500,
  ) {}

  /** Adds output; it goes out with the next batch. */
  write(text: string): void {
    if (this.#closed || text === '') return;
    this.#buffer += text;
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.#flush();
    }, this.intervalMs);
  }

  /** Chunks sent so far (the next seq). */
  get sent(): number {
    return this.#seq;
  }

  #flush(): void {
    while (this.#buffer !== '') {
      const chunk = this.#buffer.slice(0, MAX_CHUNK);
      this.#buffer = this.#buffer.slice(chunk.length);
      const seq = this.#seq++;
      this.#sending = this.#sending.then(() => this.send(seq, chunk)).catch((e: unknown) => this.onError(e));
    }
  }

  /** Sends what is left; resolves once every chunk has been sent (or failed). */
  async close(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#flush();
    this.#closed = true;
    await this.#sending;
  }
}

/** A task's log streamer: chunks go to POST …/tasks/:id/log; a lost lease is passed on. */
export function taskLogStreamer(client: { appendLog(taskId: number, seq: number, text: string): Promise<void> }, taskId: number, onLeaseLost: (e: LeaseLostError) => void): LogStreamer {
  return new LogStreamer(
    (seq, text) => client.appendLog(taskId, seq, text),
    (e) => {
      if (e instanceof LeaseLostError) onLeaseLost(e);
    },
  );
}
