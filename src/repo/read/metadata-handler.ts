/**
 * The SAX handler under every metadata parser. It checks the root element, counts depth, skips
 * the subtrees nobody reads and collects the text of text elements; what each element means is
 * up to the format's element reader (primary, filelists, other, updateinfo, repomd), which sees
 * only the elements it asked for.
 *
 * One handler class serves every format, so the code that runs for every event (text between
 * elements above all) always meets the same class and V8 keeps it monomorphic. (The same code as
 * a base class of the five handlers parsed primary.xml 10–25% slower once all five had run in
 * the process: its property reads saw five classes.)
 *
 * Terminology:
 * - root element: `<metadata>` for primary.xml, `<updates>` for updateinfo.xml, …; another one is
 *   an error ("not primary.xml").
 * - depth: of the element being opened or closed; the root element is at depth 1.
 * - skipped subtree: an element the reader does not read (unknown or misplaced) with everything
 *   inside it; its events only move the depth.
 * - text element: an element whose text is a value (`<name>`, `<file>`, `<checksum>`); its text
 *   events are concatenated until it closes. Elements inside it are skipped, their text is kept.
 * - field: what the reader says a text element is (a field name, a file type, …), handed back
 *   with the text.
 */
import type { SaxHandler } from '../xml/sax.ts';
import type { ItemContext } from './items.ts';

/**
 * `ElementReader.open`'s answer: nothing (more) to read in the element, its attributes aside; its
 * subtree is skipped and its end not reported.
 */
export const SKIP = 0;
/** `ElementReader.open`'s answer: read the element; its children come to `open` too. */
export const CHILDREN = 1;

/** How to go on with an opened element: SKIP, CHILDREN, or a field (read it as a text element). */
export type ElementAction<F extends string> = F | typeof SKIP | typeof CHILDREN;

/** What one metadata format does with the elements below the root; it emits items `T`. */
export abstract class ElementReader<T, F extends string> {
  protected readonly ctx: ItemContext<T>;
  /** Throws a RepoReadError naming the file and the current line. */
  protected readonly fail: (message: string) => never;

  constructor(ctx: ItemContext<T>) {
    this.ctx = ctx;
    this.fail = (message) => ctx.fail(message);
  }

  /** An element at depth 2 or deeper, outside skipped subtrees and text elements. */
  abstract open(depth: number, name: string, attrs: Record<string, string>): ElementAction<F>;
  /** The end of a text element, with its text. */
  abstract endText(field: F, text: string, depth: number): void;
  /** The end of an element `open` answered CHILDREN for, or of the root (depth 1). */
  abstract endElement(depth: number): void;
}

/**
 * The handler factory `parseItems` takes, for documents whose root element is `root` read by
 * `Reader`; `what` names the kind of file in errors ("primary.xml").
 */
export function metadataHandler<T, F extends string>(
  root: string,
  what: string,
  Reader: new (ctx: ItemContext<T>) => ElementReader<T, F>,
): (ctx: ItemContext<T>) => SaxHandler {
  return (ctx) => new MetadataHandler(ctx, root, what, new Reader(ctx));
}

/** Drives an ElementReader from the events of one document. */
class MetadataHandler<T, F extends string> implements SaxHandler {
  readonly #ctx: ItemContext<T>;
  readonly #root: string;
  readonly #what: string;
  readonly #reader: ElementReader<T, F>;
  #depth = 0;
  /** Depth of the element whose subtree is skipped; 0 when none. */
  #skipAt = 0;
  /** The open text element's field, and its depth and text so far; null when none is open. */
  #field: F | null = null;
  #fieldDepth = 0;
  #text = '';

  /**
   * @param root - the root element's name ("metadata").
   * @param what - the file's kind, for the error about another root ("primary.xml").
   */
  constructor(ctx: ItemContext<T>, root: string, what: string, reader: ElementReader<T, F>) {
    this.#ctx = ctx;
    this.#root = root;
    this.#what = what;
    this.#reader = reader;
  }

  open(name: string, attrs: Record<string, string>): void {
    const d = ++this.#depth;
    if (this.#skipAt !== 0) return;
    if (this.#field !== null) {
      this.#skipAt = d;
      return;
    }
    if (d === 1) {
      if (name !== this.#root) this.#ctx.fail(`not ${this.#what}: root element <${name}>, expected <${this.#root}>`);
      return;
    }
    const action = this.#reader.open(d, name, attrs);
    // typeof first: comparing a string with a number would make V8 compare generically.
    if (typeof action === 'string') {
      this.#field = action;
      this.#fieldDepth = d;
      this.#text = '';
    } else if (action === SKIP) this.#skipAt = d;
  }

  text(text: string): void {
    if (this.#field !== null) this.#text += text;
  }

  close(): void {
    const d = this.#depth--;
    if (this.#skipAt !== 0) {
      if (d === this.#skipAt) this.#skipAt = 0;
      return;
    }
    const field = this.#field;
    if (field !== null) {
      if (d === this.#fieldDepth) {
        this.#field = null;
        this.#reader.endText(field, this.#text, d);
      }
      return;
    }
    this.#reader.endElement(d);
  }
}
