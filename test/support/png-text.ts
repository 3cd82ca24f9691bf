/**
 * A PNG's tEXt chunks, read and written: the README's screenshots carry the key of the UI sources
 * they were made from, so that a test run rewrites one only when the UI changed (browser.ts).
 */
import { crc32 } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Chunk {
  type: string;
  start: number;
  end: number;
  data: Buffer;
}

function chunks(png: Buffer): Chunk[] {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  const out: Chunk[] = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (end > png.length) throw new Error(`PNG chunk ${type} at ${at} runs past the end of the file`);
    out.push({ type, start: at, end, data: png.subarray(at + 8, at + 8 + length) });
    at = end;
  }
  return out;
}

/** The text of the first tEXt chunk named `keyword`, or null. @throws Error when `png` is not a PNG */
export function pngText(png: Buffer, keyword: string): string | null {
  for (const c of chunks(png)) {
    if (c.type !== 'tEXt') continue;
    const nul = c.data.indexOf(0);
    if (nul > 0 && c.data.toString('latin1', 0, nul) === keyword) return c.data.toString('latin1', nul + 1);
  }
  return null;
}

/** `png` with a tEXt chunk `keyword` = `text` right after its header (Latin-1 text, as PNG says). */
export function withPngText(png: Buffer, keyword: string, text: string): Buffer {
  const header = chunks(png)[0];
  if (header?.type !== 'IHDR') throw new Error('a PNG file starts with its IHDR chunk');
  const body = Buffer.concat([Buffer.from('tEXt', 'latin1'), Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body) >>> 0, body.length + 4);
  return Buffer.concat([png.subarray(0, header.end), chunk, png.subarray(header.end)]);
}
