/**
 * Unit tests of the streaming XML tokenizer: events for every construct, the same events (and line
 * numbers) however the input is split into chunks, and a RepoReadError with the right line for
 * each kind of malformed input.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RepoReadError } from '../errors.ts';
import { SaxParser } from './sax.ts';

type Event = [kind: 'open', name: string, attrs: Record<string, string>, selfClosing: boolean, line: number] | [kind: 'text', text: string, line: number] | [kind: 'close', name: string, line: number];

/** Parses `chunks` in order and returns the events, each with the line the parser reports for it. */
function events(chunks: (string | Uint8Array)[], file = 'test.xml'): Event[] {
  const out: Event[] = [];
  const parser: SaxParser = new SaxParser(
    {
      open: (name, attrs, selfClosing) => out.push(['open', name, { ...attrs }, selfClosing, parser.line]),
      text: (text) => out.push(['text', text, parser.line]),
      close: (name) => out.push(['close', name, parser.line]),
    },
    { file },
  );
  for (const c of chunks) parser.write(c);
  parser.end();
  return out;
}

/** The error message parsing `doc` (whole, then byte by byte) fails with; both must agree. */
function failure(doc: string | Buffer): string {
  const bytes = typeof doc === 'string' ? Buffer.from(doc) : doc;
  const messages: string[] = [];
  for (const chunks of [[bytes], [...bytes].map((b) => Buffer.from([b]))]) {
    try {
      events(chunks);
      messages.push('(no error)');
    } catch (err) {
      assert.ok(err instanceof RepoReadError, `expected RepoReadError, got ${String(err)}`);
      assert.equal(err.file, 'test.xml');
      messages.push(err.message);
    }
  }
  assert.equal(messages[1], messages[0], 'same error whole and byte by byte');
  return messages[0] ?? '';
}

const RICH = `\ufeff<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE metadata [
  <!ENTITY ignored "x>y">
]>
<!-- a comment with <tags> & ampersands -->
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm='http://linux.duke.edu/metadata/rpm' packages="2">
<package type="rpm">
  <name>caf\u00e9-\u20ac-\ud83d\ude00</name>
  <summary>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;&#x1F600;</summary>
  <description><![CDATA[raw <markup> & ]] stays]]> then text</description>
  <rpm:entry name="x &gt; y" flags="GE" epoch='0' ver="1.0" rel = "1"/>
  <file attr="with > inside" type="dir">/usr/share/\u65e5\u672c</file>
  <changelog author="A &lt;a@example.org&gt;" date="1">- line one\r\n- line two\rthree</changelog>
  <spaced a="tab\there	new
line" b="&#10;&#9;kept"/>
  <?pi inside the root?>
  <empty></empty>
</package>
</metadata>
<!-- trailing comment -->
`;

describe('SaxParser events', () => {
  test('every construct of a rich document', () => {
    const ev = events([RICH]);
    const opens = ev.filter((e) => e[0] === 'open').map((e) => e[1]);
    assert.deepEqual(opens, ['metadata', 'package', 'name', 'summary', 'description', 'rpm:entry', 'file', 'changelog', 'spaced', 'empty']);
    const closes = ev.filter((e) => e[0] === 'close').map((e) => e[1]);
    assert.deepEqual(closes, ['name', 'summary', 'description', 'rpm:entry', 'file', 'changelog', 'spaced', 'empty', 'package', 'metadata']);
    const textOf = (name: string): string => {
      const i = ev.findIndex((e) => e[0] === 'open' && e[1] === name);
      let s = '';
      for (let k = i + 1; k < ev.length; k++) {
        const e = ev[k];
        if (!e || e[0] === 'close') break;
        if (e[0] === 'text') s += e[1];
      }
      return s;
    };
    assert.equal(textOf('name'), 'caf\u00e9-\u20ac-\ud83d\ude00');
    assert.equal(textOf('summary'), 'a <b> & "c" \'d\' AB\u{1F600}');
    assert.equal(textOf('description'), 'raw <markup> & ]] stays then text');
    assert.equal(textOf('file'), '/usr/share/\u65e5\u672c');
    assert.equal(textOf('changelog'), '- line one\n- line two\nthree');
    assert.equal(textOf('empty'), '');
    const attrs = (name: string): Record<string, string> => {
      const e = ev.find((x) => x[0] === 'open' && x[1] === name);
      assert.ok(e && e[0] === 'open');
      return e[2];
    };
    assert.deepEqual(attrs('metadata'), { xmlns: 'http://linux.duke.edu/metadata/common', 'xmlns:rpm': 'http://linux.duke.edu/metadata/rpm', packages: '2' });
    assert.deepEqual(attrs('rpm:entry'), { name: 'x > y', flags: 'GE', epoch: '0', ver: '1.0', rel: '1' });
    assert.deepEqual(attrs('file'), { attr: 'with > inside', type: 'dir' });
    assert.deepEqual(attrs('changelog'), { author: 'A <a@example.org>', date: '1' });
    // Literal tab and newline in a value become spaces; references to them are kept.
    assert.deepEqual(attrs('spaced'), { a: 'tab here new line', b: '\n\tkept' });
    const entry = ev.find((x) => x[0] === 'open' && x[1] === 'rpm:entry');
    assert.equal(entry?.[3], true, 'self-closing');
    assert.equal(attrs('empty') && ev.find((x) => x[0] === 'open' && x[1] === 'empty')?.[3], false);
  });

  test('line numbers of events', () => {
    const ev = events(['<a>\n  <b x="1"\n     y="2"/>\n  <c>t</c>\n</a>\n']);
    const line = (kind: string, name: string): number | undefined => {
      const e = ev.find((x) => x[0] === kind && x[1] === name);
      return e?.[e.length - 1] as number | undefined;
    };
    assert.equal(line('open', 'a'), 1);
    assert.equal(line('open', 'b'), 2);
    assert.equal(line('open', 'c'), 4);
    assert.equal(line('text', 't'), 4);
    assert.equal(line('close', 'a'), 5);
  });

  test('whitespace outside the root is not reported; inside it is', () => {
    assert.deepEqual(events(['\n <r> </r> \n']), [
      ['open', 'r', {}, false, 2],
      ['text', ' ', 2],
      ['close', 'r', 2],
    ]);
  });

  test('an attribute named __proto__ is an ordinary own property', () => {
    const ev = events(['<r __proto__="x" constructor="y"/>']);
    const e = ev[0];
    assert.ok(e && e[0] === 'open');
    assert.equal(Object.getPrototypeOf(e[2]), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(e[2], '__proto__')?.value, 'x');
    assert.equal(e[2].constructor, 'y');
  });

  test('Uint8Array chunks and string chunks mix', () => {
    const ev = events([new TextEncoder().encode('<r a="\u00e9">'), 'x', Buffer.from('</r>')]);
    assert.deepEqual(ev.map((e) => e[1]), ['r', 'x', 'r']);
  });
});

describe('SaxParser chunk boundaries', () => {
  const whole = events([RICH]);
  const bytes = Buffer.from(RICH);

  test('every split into two byte chunks gives the same events', () => {
    for (let i = 0; i <= bytes.length; i++) {
      assert.deepEqual(events([bytes.subarray(0, i), bytes.subarray(i)]), whole, `split at byte ${i}`);
    }
  });

  test('every split into two string chunks gives the same events', () => {
    for (let i = 0; i <= RICH.length; i++) {
      assert.deepEqual(events([RICH.slice(0, i), RICH.slice(i)]), whole, `split at char ${i}`);
    }
  });

  test('one byte at a time, and random splits', () => {
    assert.deepEqual(events([...bytes].map((b) => Buffer.from([b]))), whole);
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const cuts = Array.from({ length: 1 + random(8) }, () => random(bytes.length + 1)).sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let at = 0;
      for (const c of [...cuts, bytes.length]) {
        chunks.push(bytes.subarray(at, c));
        at = c;
      }
      assert.deepEqual(events(chunks), whole, `cuts ${cuts.join(',')}`);
    }
  });

  test('a long text and a long attribute value across many chunks', () => {
    const long = 'x'.repeat(200_000);
    const doc = Buffer.from(`<r a="${long}>${long}">${long}&amp;</r>`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < doc.length; i += 1000) chunks.push(doc.subarray(i, i + 1000));
    const ev = events(chunks);
    assert.deepEqual(ev.map((e) => (e[0] === 'text' ? e[1].length : e[1])), ['r', long.length + 1, 'r']);
    const open = ev[0];
    assert.ok(open && open[0] === 'open');
    assert.equal(open[2].a, `${long}>${long}`);
  });
});

describe('SaxParser malformed input', () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['mismatched close tag', '<a>\n<b>\n</c>\n</a>', /^test\.xml: line 3: mismatched close tag <\/c>, expected <\/b>$/],
    ['malformed close tag', '<a>\n<b></b\n</a>', /^test\.xml: line 2: malformed close tag <\/b…$/],
    ['newline in an entity name stays escaped', '<a>&a\nb;</a>', /^test\.xml: line 1: unknown entity &a\\nb;$/],
    ['close tag without open element', '<a/></b>', /line 1: close tag <\/b> without an open element/],
    ['unclosed element at end', '<a>\n<b>text', /line 2: unexpected end of file: <b> is not closed/],
    ['unterminated tag', '<a>\n<b x="1"', /line 2: unterminated tag "<b x=\\"1\\""/],
    ['unterminated attribute value', '<a>\n<b x="1>\n</a>', /line 2: unterminated tag/],
    ['unterminated comment', '<a>\n<!-- never', /line 2: unterminated comment/],
    ['unterminated CDATA', '<a>\n\n<![CDATA[ never', /line 3: unterminated CDATA section/],
    ['unterminated processing instruction', '<a><?pi', /line 1: unterminated processing instruction/],
    ['unterminated DOCTYPE', '<!DOCTYPE a [ <!ENTITY x "y">', /line 1: unterminated DOCTYPE/],
    ['unterminated close tag', '<a></a', /line 1: unterminated close tag/],
    ['unknown entity', '<a>\n&nbsp;</a>', /line 2: unknown entity &nbsp;/],
    ['unterminated entity', '<a>fish & chips</a>', /line 1: unterminated entity reference "& chips<\/a>"|line 1: unterminated entity reference/],
    ['bad character reference', '<a>&#0;</a>', /character reference &#0; is not an XML character/],
    ['surrogate character reference', '<a>&#xD800;</a>', /is not an XML character/],
    ['bad entity in attribute', '<a>\n<b x="&bogus;"/></a>', /line 2: unknown entity &bogus;/],
    ['duplicate attribute', '<a x="1" x="2"/>', /duplicate attribute x in <a>/],
    ['unquoted attribute', '<a x=1/>', /value of attribute x of <a> is not quoted/],
    ['attribute without value', '<a x/>', /attribute x of <a> has no value/],
    ['attributes without space', '<a x="1"y="2"/>', /invalid character "y" in <a>/],
    ['"<" in attribute value', '<a x="a<b"/>', /"<" in the value of attribute x of <a>/],
    ['bad tag name', '<a>< b/></a>', /invalid character " " after "<"/],
    ['"/" not followed by ">"', '<a/ >', /expected ">" after "\/" in <a>/],
    ['text before root', 'hello <a/>', /line 1: text before the root element/],
    ['text after root', '<a/>\n\ntrailing', /line 3: text after the root element/],
    ['second root element', '<a/><b/>', /second root element <b>/],
    ['CDATA outside root', '<![CDATA[x]]><a/>', /CDATA section outside the root element/],
    ['empty document', '', /line 1: no root element \(empty document\)/],
    ['only a declaration', '<?xml version="1.0"?>\n', /no root element/],
    ['late XML declaration', '<a/>\n<?xml version="1.0"?>', /line 2: misplaced or misspelled XML declaration/],
    ['other encoding', '<?xml version="1.0" encoding="ISO-8859-1"?><a/>', /unsupported encoding ISO-8859-1/],
    ['unknown markup', '<a><!ELEMENT x></a>', /unknown markup/],
    ['invalid UTF-8', Buffer.concat([Buffer.from('<a>\n\nok '), Buffer.from([0xff, 0xfe]), Buffer.from('</a>')]), /line 3: invalid UTF-8/],
    ['overlong UTF-8', Buffer.concat([Buffer.from('<a>'), Buffer.from([0xc0, 0xaf]), Buffer.from('</a>')]), /invalid UTF-8/],
    ['truncated UTF-8 at end', Buffer.concat([Buffer.from('<a/>'), Buffer.from([0xe2, 0x82])]), /incomplete UTF-8 sequence at end of file/],
  ];
  for (const [what, doc, expected] of cases) {
    test(what, () => {
      assert.match(failure(doc), expected);
    });
  }

  test('DOCTYPE after the root', () => {
    assert.match(failure('<a><!DOCTYPE a></a>'), /DOCTYPE after the root element/);
  });

  test('after a failure the parser keeps failing with the same error', () => {
    const parser = new SaxParser({ open: () => undefined, text: () => undefined, close: () => undefined }, { file: 'f' });
    let first: unknown;
    try {
      parser.write('<a></b>');
    } catch (err) {
      first = err;
    }
    assert.ok(first instanceof RepoReadError);
    assert.throws(() => parser.write('<c/>'), (err) => err === first);
    assert.throws(() => parser.end(), (err) => err === first);
  });

  test('an exception from a handler propagates and stops the parser', () => {
    const boom = new Error('boom');
    const parser = new SaxParser({
      open: (name) => {
        if (name === 'b') throw boom;
      },
      text: () => undefined,
      close: () => undefined,
    });
    assert.throws(() => parser.write('<a><b/></a>'), (err) => err === boom);
    assert.throws(() => parser.end(), (err) => err === boom);
  });

  test('the error line is right after many lines and chunks', () => {
    const doc = Buffer.from(`<a>\n${'<b>x</b>\n'.repeat(5000)}<b>y</c>\n</a>\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < doc.length; i += 777) chunks.push(doc.subarray(i, i + 777));
    assert.throws(() => events(chunks), /line 5002: mismatched close tag <\/c>, expected <\/b>/);
  });
});
