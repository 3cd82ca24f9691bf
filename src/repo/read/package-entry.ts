/**
 * The part filelists.xml and other.xml share: `<package pkgid= name= arch=>` with a `<version>`
 * child, which names the primary.xml package the entry belongs to.
 *
 * Terminology:
 * - entry: one `<package>` of filelists.xml or other.xml.
 */
import { parseEvr } from './dependency.ts';
import { CHILDREN, ElementReader, SKIP } from './metadata-handler.ts';
import type { ElementAction } from './metadata-handler.ts';

/** What identifies an entry: its pkgId, and NEVRA fields to cross-check against primary.xml. */
export interface PackageEntryId {
  pkgId: string;
  name: string;
  arch: string;
  epoch: string;
  version: string;
  release: string;
}

/**
 * The element reader of a `<root><package …><version/>…</package></root>` file; subclasses read the
 * other children of `<package>` (depth 3) as text elements, whose field `F` they choose, and put
 * their text into the entry (`endText`).
 */
export abstract class PackageEntryReader<T extends PackageEntryId, F extends string> extends ElementReader<T, F> {
  /** The entry being read; never null in `endText`. */
  protected entry: T | null = null;
  #entryLine = 0;
  #hasVersion = false;

  /**
   * A new entry with the `<package>` attributes (checked when it closes), epoch "0" and an empty
   * version and release (`<version>` sets them).
   */
  protected abstract start(pkgId: string, name: string, arch: string): T;
  /** A child of `<package>` other than `<version>`: the field to read its text as, or SKIP. */
  protected abstract child(name: string, attrs: Record<string, string>): F | typeof SKIP;

  open(d: number, name: string, attrs: Record<string, string>): ElementAction<F> {
    if (d === 2) {
      if (name !== 'package') return SKIP;
      this.#entryLine = this.ctx.line();
      this.#hasVersion = false;
      this.entry = this.start(attrs.pkgid ?? '', attrs.name ?? '', attrs.arch ?? '');
      return CHILDREN;
    }
    if (d !== 3 || this.entry === null) return SKIP;
    if (name !== 'version') return this.child(name, attrs);
    const evr = parseEvr(attrs, this.fail);
    this.entry.epoch = evr.epoch;
    this.entry.version = evr.version;
    this.entry.release = evr.release;
    this.#hasVersion = true;
    return SKIP;
  }

  endElement(d: number): void {
    const entry = this.entry;
    if (entry === null) return;
    if (d === 2) {
      const missing = (what: string): never => this.ctx.fail(`<package> has no ${what}`, this.#entryLine);
      if (entry.pkgId === '') missing('pkgid attribute');
      if (entry.name === '') missing('name attribute');
      if (!this.#hasVersion) missing('<version>');
      this.entry = null;
      this.ctx.emit(entry);
    }
  }
}
