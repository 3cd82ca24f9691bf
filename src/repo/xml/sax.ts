/**
 * A streaming XML tokenizer for repodata: chunks of UTF-8 go in (split anywhere, even inside a
 * multi-byte character, a tag, an entity or a CDATA section), open/text/close events come out.
 * It buffers only the token being read, so a 100 MB filelists.xml needs no more memory than its
 * longest element.
 *
 * What it checks, because damaged repodata must fail loudly: well-formed UTF-8, tag syntax, quoted
 * attribute values without duplicates, matching close tags, one root element, no text outside it,
 * known entities and valid character references, and nothing left unterminated at the end. Every
 * failure is a RepoReadError naming the file and the line. It does not process namespaces
 * (`rpm:entry` is just a name with a colon), DTDs (a DOCTYPE is skipped) or encodings other than
 * UTF-8.
 *
 * Terminology:
 * - chunk: one piece of input given to `write`; boundaries carry no meaning.
 * - token: one unit of markup or text: a tag, a comment, a CDATA section, a processing
 *   instruction, a DOCTYPE, or the text between two of those.
 * - text event: the character data between two tokens, entities decoded and line ends normalised
 *   to "\n"; a CDATA section is its own text event. An element's content may thus come in several
 *   text events (around comments or CDATA); consumers concatenate them. Whitespace between
 *   elements is reported too; text outside the root element is not (it must be whitespace).
 * - self-closing: `<a/>`; it produces an open event (selfClosing true) and then a close event.
 * - interned name: element and attribute names are V8-interned strings, recognised in the buffer by
 *   a hash computed while scanning them: cheaper as property keys and in comparisons.
 *
 * Speed comes from searching with indexOf and cutting with slice on the decoded buffer, never
 * building strings a character at a time, and from remembering where the next "<", "&", CR, LF
 * and tab are so each is searched for about once per chunk.
 */
import { isUtf8 } from 'node:buffer';
import { RepoReadError } from '../errors.ts';

/** Receives the events of a {@link SaxParser}. Exceptions thrown here propagate out of `write`/`end`. */
export interface SaxHandler {
  open(name: string, attrs: Record<string, string>, selfClosing: boolean): void;
  text(text: string): void;
  close(name: string): void;
}

export interface SaxOptions {
  /** Named in error messages (a path or URL). */
  file?: string;
}

/** Longest token we buffer before calling the input damaged (a string this long is already odd). */
const MAX_TOKEN = 128 * 1024 * 1024;

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** ASCII name characters: 1 = may start a name, 2 = may only continue one. */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_:]/.test(ch)) NAME_CHAR[c] = 1;
  else if (/[0-9.-]/.test(ch)) NAME_CHAR[c] = 2;
}
const isNameStart = (c: number): boolean => (c < 128 ? NAME_CHAR[c] === 1 : c !== 0xfeff);
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const WHITESPACE_CHAR = /[\t\n\r]/;
const DECIMAL_REF = /^#[0-9]{1,8}$/;
const HEX_REF = /^#x[0-9a-fA-F]{1,8}$/;

/** `message` with control characters (newlines above all) escaped, so an error stays on one line. */
export function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** Whether `cp` is a Char of XML 1.0. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Push parser: call `write` with each chunk, then `end`. */
export class SaxParser {
  readonly file: string;
  readonly #h: SaxHandler;
  /** Decoded input not yet consumed starts at #pos. */
  #buf = '';
  #pos = 0;
  /** Where the search for the pending token's end resumes (so a long token is not rescanned per chunk). */
  #scan = 0;
  /** Trailing bytes of an incomplete UTF-8 sequence, kept for the next chunk. */
  #carry: Buffer | null = null;
  #stack: string[] = [];
  #seenRoot = false;
  #seenToken = false;
  #started = false;
  #ended = false;
  #failure: unknown = undefined;
  #failed = false;
  /** Line bookkeeping: #line is the line number at #buf position #lineAt. */
  #line = 1;
  #lineAt = 0;
  /** Position of the next "\n" at or after #lineAt, -1 when none up to the end of #buf, -2 unknown. */
  #nextNl = -2;
  /** Position in #buf of the token being dispatched. */
  #tokenAt = 0;
  /**
   * Where the next "<", "&", "\r", "\n", "\t" is in #buf, at or after the last position asked
   * about: -1 none up to the end, -2 unknown. Asked positions only grow during a #run, so each
   * character is searched for about once per buffer, not once per text or attribute value.
   */
  #nextLt = -2;
  #nextAmp = -2;
  #nextCr = -2;
  #nextLf = -2;
  #nextTab = -2;
  /** Element and attribute names, interned (see NameTable). */
  readonly #names = new NameTable();
  /** Scratch list of the attribute names of the tag being read. */
  #attrNames: string[] = [];

  constructor(handler: SaxHandler, options: SaxOptions = {}) {
    this.#h = handler;
    this.file = options.file ?? '<xml>';
  }

  /** The line (1-based) of the token being reported; use inside handler callbacks. */
  get line(): number {
    return this.#lineOf(this.#tokenAt);
  }

  /** Feeds a chunk: bytes of UTF-8, or already decoded text. */
  write(chunk: Buffer | Uint8Array | string): void {
    this.#guard(() => {
      if (this.#ended) throw new Error('SaxParser: write after end');
      let text = typeof chunk === 'string' ? chunk : this.#decode(chunk);
      if (text.length === 0) return;
      if (!this.#started) {
        this.#started = true;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte order mark
      }
      this.#append(text);
      this.#run(false);
      if (this.#buf.length - this.#pos > MAX_TOKEN) this.#fail(`a single token is longer than ${MAX_TOKEN} characters`, this.#pos);
    });
  }

  /** Ends the input: reports what is left unterminated, or an empty document. */
  end(): void {
    this.#guard(() => {
      if (this.#ended) return;
      this.#ended = true;
      if (this.#carry) {
        this.#tokenAt = this.#buf.length;
        this.#fail('incomplete UTF-8 sequence at end of file');
      }
      this.#run(true);
      this.#tokenAt = this.#buf.length;
      const open = this.#stack[this.#stack.length - 1];
      if (open !== undefined) this.#fail(`unexpected end of file: <${open}> is not closed`);
      if (!this.#seenRoot) this.#fail('no root element (empty document)');
    });
  }

  /** Runs `f`; after a failure the parser stays failed and rethrows the same error. */
  #guard(f: () => void): void {
    if (this.#failed) throw this.#failure;
    try {
      f();
    } catch (err) {
      this.#failed = true;
      this.#failure = err;
      throw err;
    }
  }

  #fail(message: string, at: number = this.#tokenAt): never {
    throw new RepoReadError(this.file, `line ${this.#lineOf(at)}: ${oneLine(message)}`);
  }

  /** The line number at position `at` of #buf. Amortised linear: positions mostly increase. */
  #lineOf(at: number): number {
    const s = this.#buf;
    if (at < this.#lineAt) {
      let back = 0;
      for (let i = s.indexOf('\n', at); i !== -1 && i < this.#lineAt; i = s.indexOf('\n', i + 1)) back++;
      return this.#line - back;
    }
    let nl = this.#nextNl === -2 ? s.indexOf('\n', this.#lineAt) : this.#nextNl;
    while (nl !== -1 && nl < at) {
      this.#line++;
      nl = s.indexOf('\n', nl + 1);
    }
    this.#nextNl = nl;
    this.#lineAt = at;
    return this.#line;
  }

  /** UTF-8 bytes to text, holding back an incomplete trailing sequence; invalid UTF-8 fails. */
  #decode(chunk: Buffer | Uint8Array): string {
    let b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#carry) {
      b = Buffer.concat([this.#carry, b]);
      this.#carry = null;
    }
    let cut = b.length;
    for (let k = 1; k <= 3 && k <= b.length; k++) {
      const byte = b[b.length - k] ?? 0;
      if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      if (need > k) cut = b.length - k;
      break;
    }
    if (cut < b.length) this.#carry = Buffer.from(b.subarray(cut));
    const whole = b.subarray(0, cut);
    if (!isUtf8(whole)) {
      // Place the error: the text before the first replacement character decodes fine.
      const decoded = whole.toString('utf8');
      this.#append(decoded.slice(0, decoded.indexOf('\ufffd')));
      this.#fail('invalid UTF-8', this.#buf.length);
    }
    return whole.toString('utf8');
  }

  /** Appends decoded text, dropping what has been consumed. */
  #append(text: string): void {
    const pos = this.#pos;
    if (pos > 0) {
      this.#lineOf(pos);
      this.#buf = this.#buf.slice(pos) + text;
      this.#lineAt = 0;
      this.#nextNl = this.#nextNl >= 0 ? this.#nextNl - pos : -2;
      this.#scan = Math.max(0, this.#scan - pos);
      this.#tokenAt = Math.max(0, this.#tokenAt - pos);
      this.#pos = 0;
    } else {
      this.#buf += text;
      if (this.#nextNl === -1) this.#nextNl = -2;
    }
  }

  /** Consumes every complete token in the buffer; with `final`, an incomplete one is an error. */
  #run(final: boolean): void {
    const s = this.#buf;
    const n = s.length;
    let i = this.#pos;
    this.#nextLt = -2;
    this.#nextAmp = -2;
    this.#nextCr = -2;
    this.#nextLf = -2;
    this.#nextTab = -2;
    while (i < n) {
      if (s.charCodeAt(i) !== LT) {
        let lt = this.#nextLt;
        if (lt !== -1 && lt < i) lt = this.#nextLt = s.indexOf('<', Math.max(i, this.#scan));
        if (lt === -1) {
          if (!final) {
            this.#scan = n;
            break;
          }
          this.#text(s, i, n);
          i = n;
          break;
        }
        this.#text(s, i, lt);
        i = lt;
        this.#scan = 0;
      }
      let end: number;
      if (i + 1 >= n) end = -1;
      else {
        const c = s.charCodeAt(i + 1);
        if (c === SLASH) end = this.#closeTag(s, i);
        else if (c === BANG) end = this.#markup(s, i, final);
        else if (c === QUESTION) end = this.#instruction(s, i);
        else end = this.#openTag(s, i);
      }
      if (end < 0) {
        if (final) this.#unterminated(s, i);
        break;
      }
      this.#seenToken = true;
      this.#scan = 0;
      i = end;
    }
    this.#pos = i;
  }

  /** Text in [a, b): outside the root element it must be whitespace. */
  #text(s: string, a: number, b: number): void {
    if (this.#stack.length === 0) {
      for (let k = a; k < b; k++) {
        if (!isSpace(s.charCodeAt(k))) {
          this.#fail(this.#seenRoot ? 'text after the root element' : 'text before the root element', k);
        }
      }
      this.#seenToken = true;
      return;
    }
    let t = s.slice(a, b);
    // Most text has neither.
    this.#nextCr = nextAt(s, '\r', this.#nextCr, a);
    if (this.#nextCr !== -1 && this.#nextCr < b) t = t.replace(/\r\n?/g, '\n');
    this.#nextAmp = nextAt(s, '&', this.#nextAmp, a);
    if (this.#nextAmp !== -1 && this.#nextAmp < b) t = this.#entities(t, a);
    this.#tokenAt = a;
    this.#h.text(t);
  }

  /** Replaces entity and character references in `t` (which starts at #buf position `at`). */
  #entities(t: string, at: number): string {
    let out = '';
    let last = 0;
    for (let amp = t.indexOf('&'); amp !== -1; amp = t.indexOf('&', last)) {
      const semi = t.indexOf(';', amp + 1);
      if (semi === -1 || semi - amp > 16) {
        this.#fail(`unterminated entity reference ${JSON.stringify(t.slice(amp, amp + 12))}`, at + amp);
      }
      const ref = t.slice(amp + 1, semi);
      let ch = NAMED_ENTITIES[ref];
      if (ch === undefined) {
        let cp = -1;
        if (HEX_REF.test(ref)) cp = parseInt(ref.slice(2), 16);
        else if (DECIMAL_REF.test(ref)) cp = parseInt(ref.slice(1), 10);
        else this.#fail(`unknown entity &${ref};`, at + amp);
        if (!isXmlChar(cp)) this.#fail(`character reference &${ref}; is not an XML character`, at + amp);
        ch = String.fromCodePoint(cp);
      }
      out += t.slice(last, amp) + ch;
      last = semi + 1;
    }
    return out + t.slice(last);
  }

  /** `</name>` at i: the end index, or -1 for more input. */
  #closeTag(s: string, i: number): number {
    const gt = s.indexOf('>', Math.max(i + 2, this.#scan));
    if (gt === -1) {
      this.#scan = s.length;
      return -1;
    }
    this.#tokenAt = i;
    const top = this.#stack[this.#stack.length - 1];
    if (top !== undefined && sameAt(s, i + 2, top)) {
      let e = i + 2 + top.length;
      while (e < gt && isSpace(s.charCodeAt(e))) e++;
      if (e === gt) {
        this.#stack.pop();
        this.#h.close(top);
        return gt + 1;
      }
    }
    const raw = s.slice(i + 2, gt);
    const name = /^[^\s<>]*/.exec(raw)?.[0] ?? '';
    if (raw.trimEnd() !== name) this.#fail(`malformed close tag </${name}…`);
    if (top === undefined) this.#fail(`close tag </${name}> without an open element`);
    return this.#fail(`mismatched close tag </${name}>, expected </${top}>`);
  }

  /** `<?target …?>` at i; only checks that an XML declaration comes first and says UTF-8. */
  #instruction(s: string, i: number): number {
    const end = s.indexOf('?>', Math.max(i + 2, this.#scan));
    if (end === -1) {
      this.#scan = Math.max(i + 2, s.length - 1);
      return -1;
    }
    this.#tokenAt = i;
    const body = s.slice(i + 2, end);
    const target = /^[^\s?]*/.exec(body)?.[0] ?? '';
    if (target.toLowerCase() === 'xml') {
      if (this.#seenToken || target !== 'xml') this.#fail('misplaced or misspelled XML declaration');
      const enc = /\sencoding\s*=\s*["']([^"']*)["']/.exec(body)?.[1];
      if (enc !== undefined && !/^(utf-?8|us-ascii|ascii)$/i.test(enc)) this.#fail(`unsupported encoding ${enc} (only UTF-8)`);
    } else if (target === '') {
      this.#fail('processing instruction without a target');
    }
    return end + 2;
  }

  /** `<!--`, `<![CDATA[` or `<!DOCTYPE` at i. */
  #markup(s: string, i: number, final: boolean): number {
    if (s.startsWith('!--', i + 1)) {
      const end = s.indexOf('-->', Math.max(i + 4, this.#scan));
      if (end === -1) {
        this.#scan = Math.max(i + 4, s.length - 2);
        return -1;
      }
      return end + 3;
    }
    if (s.startsWith('![CDATA[', i + 1)) {
      const end = s.indexOf(']]>', Math.max(i + 9, this.#scan));
      if (end === -1) {
        this.#scan = Math.max(i + 9, s.length - 2);
        return -1;
      }
      this.#tokenAt = i;
      if (this.#stack.length === 0) this.#fail('CDATA section outside the root element');
      let t = s.slice(i + 9, end);
      if (t.includes('\r')) t = t.replace(/\r\n?/g, '\n');
      this.#h.text(t);
      return end + 3;
    }
    if (s.startsWith('!DOCTYPE', i + 1)) {
      this.#tokenAt = i;
      if (this.#seenRoot) this.#fail('DOCTYPE after the root element');
      return doctypeEnd(s, i + 9);
    }
    const have = s.slice(i + 1, i + 9);
    if (!final && have.length < 8 && ['!--', '![CDATA[', '!DOCTYPE'].some((m) => m.startsWith(have))) return -1;
    this.#tokenAt = i;
    return this.#fail('unknown markup "<!…" (not a comment, CDATA section or DOCTYPE)');
  }

  /** `<name attr="value" …>` or `<name …/>` at i. */
  #openTag(s: string, i: number): number {
    const n = s.length;
    if (this.#scan > i) {
      // An earlier attempt ran out of input: wait for a '>' before parsing the tag again.
      if (s.indexOf('>', this.#scan) === -1) {
        this.#scan = n;
        return -1;
      }
    }
    this.#tokenAt = i;
    let j = i + 1;
    let c = s.charCodeAt(j);
    if (!isNameStart(c)) this.#fail(`invalid character ${JSON.stringify(s[j])} after "<"`);
    let hash = c;
    for (j++; j < n; j++) {
      c = s.charCodeAt(j);
      if (c < 128 && NAME_CHAR[c] === 0) break;
      hash = (hash * 31 + c) | 0;
    }
    if (j >= n) return this.#wait(n);
    const name = this.#names.get(s, i + 1, j, hash);
    const attrs: Record<string, string> = {};
    // Names seen so far in this tag, for the duplicate check (a property lookup would cost more).
    const seen = this.#attrNames;
    let count = 0;
    let selfClosing = false;
    for (;;) {
      const spaceAt = j;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return this.#wait(n);
      c = s.charCodeAt(j);
      if (c === GT) {
        j++;
        break;
      }
      if (c === SLASH) {
        if (j + 1 >= n) return this.#wait(n);
        if (s.charCodeAt(j + 1) !== GT) this.#fail(`expected ">" after "/" in <${name}>`);
        j += 2;
        selfClosing = true;
        break;
      }
      if (j === spaceAt || !isNameStart(c)) this.#fail(`invalid character ${JSON.stringify(s[j])} in <${name}>`);
      const nameAt = j;
      hash = c;
      for (j++; j < n; j++) {
        c = s.charCodeAt(j);
        if (c < 128 && NAME_CHAR[c] === 0) break;
        hash = (hash * 31 + c) | 0;
      }
      if (j >= n) return this.#wait(n);
      const attr = this.#names.get(s, nameAt, j, hash);
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return this.#wait(n);
      if (s.charCodeAt(j) !== EQUALS) this.#fail(`attribute ${attr} of <${name}> has no value`);
      j++;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return this.#wait(n);
      const q = s.charCodeAt(j);
      if (q !== DQUOTE && q !== SQUOTE) this.#fail(`value of attribute ${attr} of <${name}> is not quoted`);
      const close = s.indexOf(q === DQUOTE ? '"' : "'", j + 1);
      if (close === -1) return this.#wait(n);
      for (let k = 0; k < count; k++) if (seen[k] === attr) this.#fail(`duplicate attribute ${attr} in <${name}>`);
      seen[count++] = attr;
      const value = s.slice(j + 1, close);
      if (attr === '__proto__') Object.defineProperty(attrs, attr, { value, enumerable: true, writable: true, configurable: true });
      else attrs[attr] = value;
      j = close + 1;
    }
    // Values with "<", references or whitespace characters need a second look (rare).
    if (count > 0 && this.#special(s, i + 1, j)) {
      for (let k = 0; k < count; k++) {
        const attr = seen[k] ?? '';
        attrs[attr] = this.#attrValue(attrs[attr] ?? '', i, attr, name);
      }
    }
    if (this.#stack.length === 0) {
      if (this.#seenRoot) this.#fail(`second root element <${name}>`);
      this.#seenRoot = true;
    }
    this.#stack.push(name);
    this.#h.open(name, attrs, selfClosing);
    if (selfClosing) {
      this.#stack.pop();
      this.#h.close(name);
    }
    return j;
  }

  /** Whether [a, b) holds a character that attribute values must not have as is. */
  #special(s: string, a: number, b: number): boolean {
    this.#nextLt = nextAt(s, '<', this.#nextLt, a);
    if (this.#nextLt !== -1 && this.#nextLt < b) return true;
    this.#nextAmp = nextAt(s, '&', this.#nextAmp, a);
    if (this.#nextAmp !== -1 && this.#nextAmp < b) return true;
    this.#nextLf = nextAt(s, '\n', this.#nextLf, a);
    if (this.#nextLf !== -1 && this.#nextLf < b) return true;
    this.#nextTab = nextAt(s, '\t', this.#nextTab, a);
    if (this.#nextTab !== -1 && this.#nextTab < b) return true;
    this.#nextCr = nextAt(s, '\r', this.#nextCr, a);
    return this.#nextCr !== -1 && this.#nextCr < b;
  }

  #wait(n: number): number {
    this.#scan = n;
    return -1;
  }

  /** Attribute-value normalisation: no "<", whitespace characters become spaces, references decoded. */
  #attrValue(v: string, at: number, attr: string, element: string): string {
    const lt = v.indexOf('<');
    if (lt !== -1) this.#fail(`"<" in the value of attribute ${attr} of <${element}>`, at + lt);
    const spaced = WHITESPACE_CHAR.test(v) ? v.replace(/\r\n|[\t\n\r]/g, ' ') : v;
    return spaced.includes('&') ? this.#entities(spaced, at) : spaced;
  }


  /** Fails for the incomplete token at i, saying what it is. */
  #unterminated(s: string, i: number): never {
    this.#tokenAt = i;
    if (s.startsWith('<!--', i)) this.#fail('unterminated comment');
    if (s.startsWith('<![CDATA[', i)) this.#fail('unterminated CDATA section');
    if (s.startsWith('<!DOCTYPE', i)) this.#fail('unterminated DOCTYPE');
    if (s.startsWith('<?', i)) this.#fail('unterminated processing instruction');
    if (s.startsWith('</', i)) this.#fail('unterminated close tag');
    this.#fail(`unterminated tag ${JSON.stringify(s.slice(i, i + 40))}`);
  }
}

/**
 * Interned names, found by a hash the tokenizer computes while it scans a name. Names repeat
 * endlessly in repodata; recognised in place they need no slicing, and as property keys and in
 * comparisons interned strings cost a fraction of fresh ones. Bounded: once full (hostile input
 * with endless distinct names), new names are simply sliced.
 */
class NameTable {
  static readonly SIZE = 2048; // a power of two; at most half of it is filled
  readonly #slots: (string | undefined)[] = new Array<string | undefined>(NameTable.SIZE).fill(undefined);
  #count = 0;

  /** s.slice(a, b), interned when possible; `hash` is the tokenizer's hash of those characters. */
  get(s: string, a: number, b: number, hash: number): string {
    const mask = NameTable.SIZE - 1;
    let slot = (hash ^ (hash >>> 11)) & mask;
    for (let probe = 0; probe < 16; probe++) {
      const known = this.#slots[slot];
      if (known === undefined) {
        const name = s.slice(a, b);
        if (this.#count >= NameTable.SIZE >> 1) return name;
        // A property key is the interned copy of its string.
        const interned = Object.keys({ [name]: 0 })[0] ?? name;
        this.#slots[slot] = interned;
        this.#count++;
        return interned;
      }
      if (known.length === b - a && sameAt(s, a, known)) return known;
      slot = (slot + 1) & mask;
    }
    return s.slice(a, b);
  }
}

/** Whether `word` occurs in `s` at `at` (cheaper than slicing for short words). */
function sameAt(s: string, at: number, word: string): boolean {
  const length = word.length;
  if (at + length > s.length) return false;
  for (let k = 0; k < length; k++) if (s.charCodeAt(at + k) !== word.charCodeAt(k)) return false;
  return true;
}

/** Where the next `ch` is at or after a, given where it was at or after an earlier position. */
function nextAt(s: string, ch: string, cached: number, a: number): number {
  return cached !== -1 && cached < a ? s.indexOf(ch, a) : cached;
}

/** The index after the `>` that ends a DOCTYPE whose body starts at j (skipping an internal subset), or -1. */
function doctypeEnd(s: string, j: number): number {
  let quote = 0;
  let subset = false;
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === DQUOTE || c === SQUOTE) quote = c;
    else if (c === 0x5b) subset = true;
    else if (c === 0x5d) subset = false;
    else if (c === GT && !subset) return j + 1;
  }
  return -1;
}
