/**
 * The part filelists.xml and other.xml share: `<package pkgid= name= arch=>` with a `<version>`
 * child, which names the primary.xml package the entry belongs to.
 *
 * Terminology:
 * - entry: one `<package>` of filelists.xml or other.xml.
 */
import type { SaxHandler } from '../xml/sax.ts';
import { parseEvr } from './dependency.ts';
import type { ItemContext } from './items.ts';

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
 * A handler for a `<root><package …><version/>…</package></root>` file; subclasses handle the
 * other children of `<package>` (depth 3) and finish the entry.
 */
export abstract class PackageEntryHandler<T extends PackageEntryId> implements SaxHandler {
  protected readonly ctx: ItemContext<T>;
  protected readonly fail: (message: string) => never;
  readonly #root: string;
  readonly #what: string;
  #depth = 0;
  #skipAt = 0;
  protected entry: T | null = null;
  #entryLine = 0;
  #hasVersion = false;
  /** Whether a child's text is being collected. */
  protected capturing = false;
  protected collected = '';

  constructor(ctx: ItemContext<T>, root: string, what: string) {
    this.ctx = ctx;
    this.fail = (message) => ctx.fail(message);
    this.#root = root;
    this.#what = what;
  }

  /** A new entry from the `<package>` attributes (pkgid, name and arch are checked later). */
  protected abstract start(id: PackageEntryId): T;
  /** A child of `<package>` other than `<version>`; return false to ignore its subtree. */
  protected abstract child(entry: T, name: string, attrs: Record<string, string>): boolean;
  /** The end of a child that `child` accepted. */
  protected abstract endChild(entry: T): void;

  open(name: string, attrs: Record<string, string>): void {
    const d = ++this.#depth;
    if (this.#skipAt !== 0) return;
    if (d === 1) {
      if (name !== this.#root) this.fail(`not ${this.#what}: root element <${name}>, expected <${this.#root}>`);
    } else if (d === 2) {
      if (name !== 'package') {
        this.#skipAt = d;
        return;
      }
      this.#entryLine = this.ctx.line();
      this.#hasVersion = false;
      this.entry = this.start({
        pkgId: attrs.pkgid ?? '',
        name: attrs.name ?? '',
        arch: attrs.arch ?? '',
        epoch: '0',
        version: '',
        release: '',
      });
    } else if (d === 3 && this.entry !== null) {
      if (name === 'version') {
        const evr = parseEvr(attrs, this.fail);
        this.entry.epoch = evr.epoch;
        this.entry.version = evr.version;
        this.entry.release = evr.release;
        this.#hasVersion = true;
      } else if (!this.child(this.entry, name, attrs)) this.#skipAt = d;
    } else this.#skipAt = d;
  }

  text(text: string): void {
    if (this.capturing) this.collected += text;
  }

  close(): void {
    const d = this.#depth--;
    if (this.#skipAt !== 0) {
      if (d === this.#skipAt) this.#skipAt = 0;
      return;
    }
    const entry = this.entry;
    if (entry === null) return;
    if (d === 3) {
      if (this.capturing) this.endChild(entry);
      this.capturing = false;
    } else if (d === 2) {
      const missing = (what: string): never => this.ctx.fail(`<package> has no ${what}`, this.#entryLine);
      if (entry.pkgId === '') missing('pkgid attribute');
      if (entry.name === '') missing('name attribute');
      if (!this.#hasVersion) missing('<version>');
      this.entry = null;
      this.ctx.emit(entry);
    }
  }
}
