/**
 * The base of every metadata parser's SAX handler: the item context, the root element check, the
 * depth of the element at hand, the subtrees the handler does not read, and the text of the
 * element it reads as a value. A subclass decides in `open` what each element means; this class
 * handles `text` and `close` and reports the ends that matter.
 *
 * Terminology:
 * - root element: `<metadata>` for primary.xml, `<updates>` for updateinfo.xml, …; another one is
 *   an error ("not primary.xml").
 * - depth: of the element being opened or closed; the root element is at depth 1.
 * - skipped subtree: an element the handler does not read (unknown or misplaced) with everything
 *   inside it; its events only move the depth.
 * - text element: an element whose text is a value (`<name>`, `<file>`, `<checksum>`); its text
 *   events are concatenated until it closes. Elements inside it are skipped, their text is kept.
 * - field: what the subclass says a text element is (a field name, a file type, …), handed back
 *   with the text.
 */
import type { SaxHandler } from '../xml/sax.ts';
import type { ItemContext } from './items.ts';

/**
 * A SaxHandler that emits items `T` through its context and reads text elements it names with `F`.
 *
 * Its state is TypeScript-private, not #private: `text` and `close` run for every handler class,
 * so their property reads see many classes, and V8 reads plain properties from many classes far
 * faster than #private ones (primary.xml parsed a fifth slower with #private fields once all five
 * handler classes had run in the process).
 */
export abstract class MetadataHandler<T, F> implements SaxHandler {
  protected readonly ctx: ItemContext<T>;
  /** Throws a RepoReadError naming the file and the current line. */
  protected readonly fail: (message: string) => never;
  /** The root element's name, and the file's for errors ("primary.xml"). */
  private readonly root: string;
  private readonly what: string;
  /** Depth of the element being handled; 0 outside the root. */
  private depth = 0;
  /** Depth of the element whose subtree is skipped; 0 when none. */
  private skipAt = 0;
  /** The open text element's field, and its depth and text so far; null when none is open. */
  private field: F | null = null;
  private fieldDepth = 0;
  private captured = '';

  constructor(ctx: ItemContext<T>, root: string, what: string) {
    this.ctx = ctx;
    this.fail = (message) => ctx.fail(message);
    this.root = root;
    this.what = what;
  }

  /** Starts with `enter(name)`; then `skip()`, `startText(…)` or the subclass's own reading. */
  abstract open(name: string, attrs: Record<string, string>): void;

  /** The end of a text element, with its text; `depth` is the element's. */
  protected abstract endText(field: F, text: string, depth: number): void;

  /** The end of an element that is neither skipped nor a text element. */
  protected abstract endElement(depth: number): void;

  /**
   * Counts an opened element: its depth, or 0 when it lies in a skipped subtree or inside a text
   * element (then it is skipped too, and `open` has nothing to do). Fails for a wrong root element.
   */
  protected enter(name: string): number {
    const d = ++this.depth;
    if (this.skipAt !== 0) return 0;
    if (this.field !== null) {
      this.skipAt = d;
      return 0;
    }
    if (d === 1 && name !== this.root) this.fail(`not ${this.what}: root element <${name}>, expected <${this.root}>`);
    return d;
  }

  /** Skips the element just opened, and everything inside it. */
  protected skip(): void {
    this.skipAt = this.depth;
  }

  /** Reads the element just opened as a text element: `endText(field, …)` gets its text. */
  protected startText(field: F): void {
    this.field = field;
    this.fieldDepth = this.depth;
    this.captured = '';
  }

  text(text: string): void {
    if (this.field !== null) this.captured += text;
  }

  close(): void {
    const d = this.depth--;
    if (this.skipAt !== 0) {
      if (d === this.skipAt) this.skipAt = 0;
      return;
    }
    const field = this.field;
    if (field !== null) {
      if (d === this.fieldDepth) {
        this.field = null;
        this.endText(field, this.captured, d);
      }
      return;
    }
    this.endElement(d);
  }
}
