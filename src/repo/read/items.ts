/**
 * The engine under every streaming metadata parser: runs a SaxParser over chunks of a file and
 * yields, chunk by chunk, the items (packages, advisories) its handler completes, so memory stays
 * bounded by one chunk's worth of items.
 *
 * Terminology:
 * - XML input: the file's bytes or text, whole or as an (async) iterable of chunks.
 * - item: one finished record (a package of primary.xml, an advisory of updateinfo.xml).
 * - context: what a handler gets: the file name, the current line, `emit` for a finished item and
 *   `fail` for a RepoReadError that names the file and line.
 */
import { RepoReadError } from '../errors.ts';
import { SaxParser, oneLine } from '../xml/sax.ts';
import type { SaxHandler } from '../xml/sax.ts';

/** A whole document, or its chunks in order (chunk boundaries may fall anywhere). */
export type XmlInput =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

/** What a handler may use while its parser runs. */
export interface ItemContext<T> {
  readonly file: string;
  /** Line of the token being handled. */
  line(): number;
  /** Hands a finished item to the consumer. */
  emit(item: T): void;
  /** Throws a RepoReadError naming the file and `line` (default: the current line). */
  fail(message: string, line?: number): never;
}

/** Parses `input` with the handler `makeHandler` builds and yields the items it emits, in order. */
export async function* parseItems<T>(
  input: XmlInput,
  file: string,
  makeHandler: (ctx: ItemContext<T>) => SaxHandler,
): AsyncGenerator<T, void, undefined> {
  for await (const batch of parseBatches(input, file, makeHandler)) yield* batch;
}

/**
 * Like {@link parseItems}, but yields the items of each chunk together (non-empty arrays): one
 * asynchronous step per chunk instead of one per item, for consumers that go through many items.
 */
export async function* parseBatches<T>(
  input: XmlInput,
  file: string,
  makeHandler: (ctx: ItemContext<T>) => SaxHandler,
): AsyncGenerator<T[], void, undefined> {
  let queue: T[] = [];
  const parser = createParser(file, makeHandler, (item) => queue.push(item));
  for await (const chunk of chunks(input)) {
    parser.write(chunk);
    if (queue.length > 0) {
      const ready = queue;
      queue = [];
      yield ready;
    }
  }
  parser.end();
  if (queue.length > 0) yield queue;
}

/** Parses a whole document synchronously and returns every item (for small files such as repomd.xml). */
export function parseItemsSync<T>(xml: string | Uint8Array, file: string, makeHandler: (ctx: ItemContext<T>) => SaxHandler): T[] {
  const items: T[] = [];
  const parser = createParser(file, makeHandler, (item) => items.push(item));
  parser.write(xml);
  parser.end();
  return items;
}

/** A parser whose handler gets a context that reports to `emit` and fails with the parser's line. */
function createParser<T>(file: string, makeHandler: (ctx: ItemContext<T>) => SaxHandler, emit: (item: T) => void): SaxParser {
  const ref: { parser: SaxParser | null } = { parser: null };
  const line = (): number => ref.parser?.line ?? 0;
  const ctx: ItemContext<T> = {
    file,
    line,
    emit,
    fail: (message, at) => {
      throw new RepoReadError(file, `line ${at ?? line()}: ${oneLine(message)}`);
    },
  };
  ref.parser = new SaxParser(makeHandler(ctx), { file });
  return ref.parser;
}

/** The chunks of an XML input. */
async function* chunks(input: XmlInput): AsyncGenerator<string | Uint8Array, void, undefined> {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    yield input;
    return;
  }
  yield* input;
}
