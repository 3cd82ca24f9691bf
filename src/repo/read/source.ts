/**
 * An existing repository opened for reading: its repomd.xml parsed, and its packages and
 * advisories streamed from the metadata files, verified against repomd.xml as they are read.
 * This is how a repository made by createrepo_c, or an upstream mirror, is imported as metadata
 * without its RPM files.
 *
 * Terminology:
 * - location: a directory path, a file:// URL or an http(s):// URL of the repository root (the
 *   directory that holds `repodata/repomd.xml`).
 * - raw metadata: a file other than the package and advisory ones (comps `group`, `modules`, …),
 *   returned whole and decompressed.
 */
import type { Advisory, RepoPackage } from '../model.ts';
import { RepoReadError } from '../errors.ts';
import { readFilelistsBatches } from './filelists.ts';
import { Follower, joinPackages } from './join.ts';
import { metadataBuffer, metadataContent } from './metadata-file.ts';
import { readOtherBatches } from './other.ts';
import { readPrimaryBatches } from './primary.ts';
import { parseRepomd, repomdRecord } from './repomd.ts';
import type { Repomd, RepomdRecord } from './repomd.ts';
import { openTransport, readWhole } from './transport.ts';
import type { Transport, TransportOptions } from './transport.ts';
import { readUpdateinfo } from './updateinfo.ts';

export const REPOMD_HREF = 'repodata/repomd.xml';

/** repomd.xml is a few kilobytes; anything this large is not one. */
const REPOMD_LIMIT = 64 * 1024 * 1024;

export interface PackagesOptions {
  /** Complete each package's files from filelists.xml (default true); false: primary's subset. */
  filelists?: boolean;
  /** Add each package's changelogs from other.xml (default true); false: none. */
  other?: boolean;
}

/** A repository opened for reading. */
export interface RepoSource {
  /** The repository root: an absolute path or a URL ending in "/". */
  location: string;
  repomd: Repomd;
  /**
   * Every package of primary.xml, in its order, completed from filelists.xml and other.xml.
   * Memory stays bounded by one package while the three files agree on the order. A damaged,
   * truncated or mismatching file throws a RepoReadError from the iterator (possibly after the
   * last package), so reading to the end means every file was verified.
   */
  packages(options?: PackagesOptions): AsyncIterable<RepoPackage>;
  /** Every advisory of updateinfo.xml; none when repomd.xml lists no updateinfo. */
  advisories(): AsyncIterable<Advisory>;
  /** The decompressed, verified contents of the metadata file of `type` (`group`, `modules`, …); null when absent. */
  raw(type: string): Promise<Buffer | null>;
}

/**
 * Opens the repository at `location` and reads its repomd.xml.
 *
 * @throws RepoReadError naming the location: no such directory, no repodata/repomd.xml, a URL that
 *   cannot be fetched ("cannot fetch repodata/repomd.xml: HTTP 404 Not Found", "…: connection
 *   refused", "…: timed out after 30 s"), or a malformed repomd.xml (then naming that file).
 */
export async function openRepository(location: string, options: TransportOptions = {}): Promise<RepoSource> {
  const transport = openTransport(location, options);
  await transport.checkRoot();
  let bytes: Buffer;
  try {
    bytes = await readWhole(transport, REPOMD_HREF, REPOMD_LIMIT);
  } catch (err) {
    if (!(err instanceof RepoReadError)) throw err;
    const prefix = `${err.file}: `;
    const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    const message = detail === 'no such file' ? `no ${REPOMD_HREF} (not a repository?)` : `cannot fetch ${REPOMD_HREF}: ${detail}`;
    throw new RepoReadError(transport.location, message, { cause: err });
  }
  const repomd = parseRepomd(bytes, transport.resolve(REPOMD_HREF));
  return new Source(transport, repomd);
}

/** An iterator that fails with `err` when first asked for a value. */
// eslint-disable-next-line require-yield
async function* failing(err: unknown): AsyncGenerator<never, void, undefined> {
  throw err;
}

class Source implements RepoSource {
  readonly location: string;
  readonly repomd: Repomd;
  readonly #transport: Transport;

  constructor(transport: Transport, repomd: Repomd) {
    this.#transport = transport;
    this.location = transport.location;
    this.repomd = repomd;
  }

  packages(options: PackagesOptions = {}): AsyncIterable<RepoPackage> {
    return {
      [Symbol.asyncIterator]: () => {
        try {
          return this.#packages(options);
        } catch (err) {
          return failing(err);
        }
      },
    };
  }

  /** The joined packages (a RepoReadError now if repomd.xml lacks a file they need). */
  #packages(options: PackagesOptions): AsyncGenerator<RepoPackage, void, undefined> {
    const primary = this.#record('primary', true);
    const filelists = options.filelists === false ? undefined : this.#record('filelists', true);
    const other = options.other === false ? undefined : this.#record('other', true);
    const t = this.#transport;
    const file = (r: RepomdRecord): string => t.resolve(r.location.href);
    return joinPackages(
      readPrimaryBatches(metadataContent(t, primary), file(primary)),
      filelists ? new Follower(readFilelistsBatches(metadataContent(t, filelists), file(filelists)), file(filelists)) : null,
      other ? new Follower(readOtherBatches(metadataContent(t, other), file(other)), file(other)) : null,
    );
  }

  advisories(): AsyncIterable<Advisory> {
    return { [Symbol.asyncIterator]: () => this.#advisories() };
  }

  async *#advisories(): AsyncGenerator<Advisory, void, undefined> {
    const record = this.#record('updateinfo', false);
    if (record) yield* readUpdateinfo(metadataContent(this.#transport, record), this.#transport.resolve(record.location.href));
  }

  async raw(type: string): Promise<Buffer | null> {
    const record = this.#record(type, false);
    return record ? metadataBuffer(this.#transport, record) : null;
  }

  #record(type: string, required: true): RepomdRecord;
  #record(type: string, required: false): RepomdRecord | undefined;
  #record(type: string, required: boolean): RepomdRecord | undefined {
    const record = repomdRecord(this.repomd, type);
    if (!record && required) throw new RepoReadError(this.#transport.resolve(REPOMD_HREF), `lists no ${type} metadata`);
    return record;
  }
}
