/**
 * A fixed number of slots for expensive work (processes): `acquire` waits, first come first
 * served, until one is free, giving up when the caller's signal aborts or the wait is too long.
 * A leaf module (imports nothing of ours).
 */

/** Gives the slot back (calling it twice gives it back once). */
export type Release = () => void;

export class Slots {
  #free: number;
  readonly #waiting: ((release: Release) => void)[] = [];

  constructor(readonly size: number) {
    this.#free = size;
  }

  /** Slots in use. */
  get busy(): number {
    return this.size - this.#free;
  }

  /** A slot, or null when `signal` aborts or `timeoutMs` passes before one is free. */
  acquire(signal: AbortSignal, timeoutMs: number): Promise<Release | null> {
    if (signal.aborted) return Promise.resolve(null);
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve(this.#release());
    }
    return new Promise((resolve) => {
      const give = (release: Release): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', giveUp);
        resolve(release);
      };
      const giveUp = (): void => {
        const at = this.#waiting.indexOf(give);
        if (at >= 0) this.#waiting.splice(at, 1);
        clearTimeout(timer);
        signal.removeEventListener('abort', giveUp);
        resolve(null);
      };
      const timer = setTimeout(giveUp, timeoutMs);
      signal.addEventListener('abort', giveUp, { once: true });
      this.#waiting.push(give);
    });
  }

  #release(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next(this.#release());
      else this.#free += 1;
    };
  }
}
