/**
 * Finding fragment records by pkgId without a string per record: an open-addressing hash table of
 * record numbers keyed by the first four bytes of each record's pkgId (already a uniform hash),
 * in one Int32Array. Building it for 70,000 records takes a few milliseconds, where a Map of
 * hrefs took tens, and a lookup reads two numbers before it compares anything.
 */

/** Record numbers by the leading 32 bits of their pkgIds (records with equal ones are probed in turn). */
export class IdTable {
  #slots = new Int32Array(0);
  #used = 0;

  /** @param key - the leading 32 bits of record `r`'s pkgId. */
  constructor(private readonly key: (r: number) => number) {}

  /** Adds record `r`. */
  add(r: number): void {
    if ((this.#used + 1) * 2 > this.#slots.length) this.#grow();
    this.#put(r);
    this.#used++;
  }

  /**
   * The first record whose key is `key` and that `accept`s, in insertion order of the probe
   * sequence; -1 when none does.
   */
  find(key: number, accept: (r: number) => boolean): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    if (mask < 0) return -1;
    for (let s = key & mask; ; s = (s + 1) & mask) {
      const r = slots[s] ?? -1;
      if (r < 0) return -1;
      if (this.key(r) === key && accept(r)) return r;
    }
  }

  #put(r: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let s = this.key(r) & mask;
    while ((slots[s] ?? -1) >= 0) s = (s + 1) & mask;
    slots[s] = r;
  }

  #grow(): void {
    const old = this.#slots;
    let size = 64;
    while (size < (this.#used + 1) * 4) size *= 2;
    this.#slots = new Int32Array(size).fill(-1);
    for (const r of old) if (r >= 0) this.#put(r);
  }
}
