/**
 * Worker thread body of the hash pass (hash-pass.ts): hashes and checks the metadata files it is
 * sent, reading the fragments from the cache's packs itself, and answers with what hashFile found.
 */
import { parentPort } from 'node:worker_threads';
import { PackFiles, type PackInfo } from './cache/packs.ts';
import { hashFile, tableSpans, type FileLayout, type HashedFile, type SpanTable } from './hash-files.ts';

export interface HashRequest {
  packsDir: string;
  packs: PackInfo[];
  files: { table: SpanTable; layout: FileLayout }[];
}

export type HashReply = { ok: true; results: HashedFile[] } | { ok: false; message: string };

/** Answers one request (also usable in-process). */
export function hashRequest(req: HashRequest): HashReply {
  const files = new PackFiles(req.packsDir, () => req.packs);
  try {
    return { ok: true, results: req.files.map((f) => hashFile(files, tableSpans(f.table), f.layout)) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  } finally {
    files.close();
  }
}

parentPort?.on('message', (req: HashRequest) => parentPort?.postMessage(hashRequest(req)));
