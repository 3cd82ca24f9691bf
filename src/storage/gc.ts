/**
 * Garbage collection of the artifact store: blobs nothing names any more, and that were not
 * written recently, are deleted. What names a blob is not the store's business: the caller says
 * (`GcReferences`, the database's reference registry in src/blob-refs/), and runs this under a
 * lock so two collections never overlap.
 *
 * A collection lists every blob once. A blob named anywhere is kept; so is one written at or after
 * `keepSince` (a blob just uploaded and not yet recorded, an SRPM uploaded and not yet submitted,
 * a blob put while a task that may still record it runs). The rest are the candidates: a dry run
 * reports them; a real run deletes them in batches, and right before each batch asks again which
 * are named and how far back `keepSince` reaches now, and the store deletes a blob only when its
 * modified time, read once more, is still older. So a blob named or put again after the listing
 * stays.
 *
 * Terminology:
 * - reference: a row that names a blob by sha256 (an artifact, a lookaside file, …).
 * - keep-since time: blobs whose modified time is at or after it are kept whatever names them.
 * - candidate: a blob neither referenced nor written since the keep-since time.
 */
import type { ArtifactStore, ListedBlob } from './store.ts';

/** What names blobs, as the caller knows it. */
export interface GcReferences {
  /** Every sha256 named now (read once, before the listing). */
  all(): Promise<ReadonlySet<string>>;
  /** Of `sha256s`, those named now (asked right before a batch is deleted). */
  among(sha256s: readonly string[]): Promise<ReadonlySet<string>>;
  /** Blobs written at or after this time (ms since the epoch) are kept; asked before the listing and before each batch. */
  keepSince(): Promise<number>;
}

export interface GcOptions {
  /** Only report what would be deleted. */
  dryRun: boolean;
  /** Candidates deleted per batch (default 500). */
  batchSize?: number;
  /** Called with the candidates once the listing is done, before anything is deleted (tests). */
  onListed?: (candidates: readonly ListedBlob[]) => Promise<void> | void;
}

/** A count of blobs and their bytes. */
export interface BlobTally {
  blobs: number;
  bytes: number;
}

export interface GcResult {
  dryRun: boolean;
  /** The keep-since time of the listing (ms since the epoch). */
  keepSince: number;
  /** Every blob listed. */
  scanned: BlobTally;
  /** Kept because something names them. */
  referenced: BlobTally;
  /** Kept because they were written at or after the keep-since time. */
  recent: BlobTally;
  /** Deleted (a dry run: the candidates, which a real run would delete). */
  removed: ListedBlob[];
  /** Bytes of `removed`. */
  bytes: number;
  /** Candidates a real run kept after all: named or put again since the listing, or already gone. */
  spared: number;
}

const tally = (): BlobTally => ({ blobs: 0, bytes: 0 });

function count(t: BlobTally, blob: ListedBlob): void {
  t.blobs += 1;
  t.bytes += blob.size;
}

/** Lists the store and deletes (or, dry, reports) the blobs nothing names and nobody wrote lately. */
export async function collectGarbage(store: ArtifactStore, refs: GcReferences, options: GcOptions): Promise<GcResult> {
  const keepSince = await refs.keepSince();
  const named = await refs.all();
  const result: GcResult = { dryRun: options.dryRun, keepSince, scanned: tally(), referenced: tally(), recent: tally(), removed: [], bytes: 0, spared: 0 };
  const candidates: ListedBlob[] = [];
  for await (const page of store.list()) {
    for (const blob of page) {
      count(result.scanned, blob);
      if (named.has(blob.sha256)) count(result.referenced, blob);
      else if (blob.modifiedAt >= keepSince) count(result.recent, blob);
      else candidates.push(blob);
    }
  }
  candidates.sort((a, b) => a.modifiedAt - b.modifiedAt || a.sha256.localeCompare(b.sha256));
  await options.onListed?.(candidates);
  if (options.dryRun) {
    result.removed = candidates;
  } else {
    const size = options.batchSize ?? 500;
    for (let i = 0; i < candidates.length; i += size) {
      const batch = candidates.slice(i, i + size);
      // Asked again now: a blob named, or put, since the listing stays.
      const since = await refs.keepSince();
      const namedNow = await refs.among(batch.map((b) => b.sha256));
      const unnamed = batch.filter((b) => !namedNow.has(b.sha256) && b.modifiedAt < since);
      const deleted = unnamed.length > 0 ? await store.delete(unnamed.map((b) => b.sha256), { modifiedBefore: since }) : [];
      result.removed.push(...deleted);
      result.spared += batch.length - deleted.length;
    }
  }
  result.bytes = result.removed.reduce((sum, b) => sum + b.size, 0);
  return result;
}
