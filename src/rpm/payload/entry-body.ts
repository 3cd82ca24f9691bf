/**
 * The data of one cpio entry while the reader is positioned on it. Internal to the reader.
 */
import { RpmPayloadError } from '../errors.ts';
import type { ByteReader } from './byte-reader.ts';
import { addChecksum } from './cpio-format.ts';
import type { CpioHeader } from './cpio-format.ts';

/** The data of one entry: read once, or skipped; checks the 070702 checksum when all is seen. */
export class EntryBody {
  readonly #reader: ByteReader;
  readonly #header: CpioHeader;
  readonly #name: string;
  readonly #offset: number;
  #left: number;
  #sum = 0;
  #started = false;
  #retired = false;
  #preloaded: Buffer | undefined;

  constructor(reader: ByteReader, header: CpioHeader, name: string, offset: number) {
    this.#reader = reader;
    this.#header = header;
    this.#name = name;
    this.#offset = offset;
    this.#left = header.size;
    if (header.crc && header.size === 0 && header.check !== 0) {
      throw new RpmPayloadError(`checksum mismatch for ${JSON.stringify(name)}: no data but check is ${header.check}`, offset);
    }
  }

  /** Reads the whole data now (for small bodies: symlink targets). */
  async preload(): Promise<Buffer> {
    const data = Buffer.from(await this.#reader.read(this.#left, `data of ${JSON.stringify(this.#name)}`));
    this.#account(data);
    this.#preloaded = data;
    return data;
  }

  async *chunks(): AsyncGenerator<Buffer, void, undefined> {
    this.#claim();
    if (this.#preloaded) {
      yield this.#preloaded;
      return;
    }
    for await (const piece of this.#reader.pieces(this.#left, `data of ${JSON.stringify(this.#name)}`)) {
      this.#account(piece);
      yield piece;
      if (this.#retired) throw this.#staleError();
    }
  }

  async readAll(maxBytes = Infinity): Promise<Buffer> {
    if (this.#header.size > maxBytes) {
      throw new RpmPayloadError(`entry ${JSON.stringify(this.#name)} has ${this.#header.size} bytes, more than the ${maxBytes} allowed`, this.#offset);
    }
    const parts: Buffer[] = [];
    for await (const piece of this.chunks()) parts.push(piece);
    return Buffer.concat(parts, this.#header.size);
  }

  /** The consumer moved on: later reads fail. */
  retire(): void {
    this.#retired = true;
  }

  /** Skips what was not read. */
  async drain(): Promise<void> {
    if (this.#left === 0) return;
    for await (const piece of this.#reader.pieces(this.#left, `data of ${JSON.stringify(this.#name)}`)) this.#account(piece);
  }

  #claim(): void {
    if (this.#retired) throw this.#staleError();
    if (this.#started) throw new Error(`the data of cpio entry ${JSON.stringify(this.#name)} can be read only once`);
    this.#started = true;
  }

  #staleError(): Error {
    return new Error(`the data of cpio entry ${JSON.stringify(this.#name)} was read after moving to the next entry`);
  }

  #account(piece: Buffer): void {
    this.#left -= piece.length;
    if (this.#header.crc) this.#sum = addChecksum(this.#sum, piece);
    if (this.#left === 0 && this.#header.crc && this.#sum !== this.#header.check) {
      throw new RpmPayloadError(
        `checksum mismatch for ${JSON.stringify(this.#name)}: header says ${this.#header.check}, data sums to ${this.#sum}`,
        this.#offset,
      );
    }
  }
}
