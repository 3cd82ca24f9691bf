/**
 * Worker thread body of the read pool: reads package files (headers and sha256), turns them into
 * repodata records and renders their fragments; sends each batch back with its buffers transferred.
 * A file that cannot be read is reported by path and message; the pool decides what to do.
 */
import { parentPort } from 'node:worker_threads';
import { DistforgeError } from '../../errors.ts';
import { renderFragments, type PackageFragments } from './fragments.ts';
import { readRepoPackage } from './read-package.ts';
import type { FoundPackage } from './scan.ts';

export interface ReadRequest {
  batch: number;
  files: FoundPackage[];
  changelogLimit: number;
}

export type ReadReply =
  | { batch: number; ok: true; results: PackageFragments[] }
  | { batch: number; ok: false; file: string; message: string; code: string };

/** Reads a batch (also used in-process when workers are not available). */
export function readBatch(req: ReadRequest): ReadReply {
  const results: PackageFragments[] = [];
  for (const f of req.files) {
    try {
      results.push(renderFragments(f, readRepoPackage(f, { changelogLimit: req.changelogLimit })));
    } catch (e) {
      const code = e instanceof DistforgeError ? e.code : 'internal';
      return { batch: req.batch, ok: false, file: f.path, message: (e as Error).message, code };
    }
  }
  return { batch: req.batch, ok: true, results };
}

parentPort?.on('message', (req: ReadRequest) => {
  const reply = readBatch(req);
  const transfer = reply.ok ? reply.results.map((r) => r.data.buffer as ArrayBuffer) : [];
  parentPort?.postMessage(reply, transfer);
});
