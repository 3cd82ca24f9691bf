/**
 * Atomic publication of a repository's metadata, and clean-up of old generations.
 *
 * A client reads repomd.xml, then the files it names. To never show it a mix of old and new:
 * 1. the new metadata files are already in repodata/ under new, checksum-prefixed names (files of
 *    the current generation are never rewritten);
 * 2. repomd.xml is replaced by rename: clients see the old file or the new one, never a mix;
 * 3. repomd.xml.asc is replaced by rename right after it (the two renames are microseconds apart;
 *    rpm-md has no inline-signed index, so a client that fetches repomd.xml before the first rename
 *    and repomd.xml.asc after the second sees a bad signature and must retry: dnf checks only one
 *    signature per .asc, so a file holding both generations' signatures does not help);
 * 4. files the new repomd.xml no longer names stay for a grace period, so a client that read the
 *    old repomd.xml just before step 2 can still fetch them; older ones are deleted.
 *
 * The time a file stopped being named is kept in its mtime: when a generation is superseded its
 * files that the new generation does not share are touched, and unnamed files whose mtime is older
 * than the grace period are deleted. No state file is needed, and a repository made by another tool
 * is cleaned up the same way.
 *
 * Terminology:
 * - generation: one repomd.xml and the files it names.
 * - grace period: how long a superseded generation's files are kept (default one hour).
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempPathBeside } from '../../util/atomic-file.ts';

export const DEFAULT_GRACE_SECONDS = 3600;

/** Files of repodata/ named by a repomd.xml (their names inside repodata/). */
export function namedFiles(repomdXml: string): Set<string> {
  const out = new Set<string>();
  for (const m of repomdXml.matchAll(/<location\b[^>]*\bhref="repodata\/([^"/]+)"/g)) if (m[1]) out.add(m[1]);
  return out;
}

/** Flushes a directory's entries (renames, new files) to disk. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `target` under a temporary name, flushed to disk, then renamed over it. */
export function writeDurably(target: string, content: string): void {
  const tmp = tempPathBeside(target);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, target);
}

export interface PublishOptions {
  /** The new repomd.xml. */
  repomd: string;
  /** Makes the armored detached signature of repomd.xml; null to publish unsigned (an existing .asc is then removed). */
  sign: ((repomd: string) => Promise<string>) | null;
  graceSeconds?: number;
  /** Current time in ms (tests). */
  now?: number;
}

export interface PublishResult {
  /** Files deleted from repodata/ (older generations past the grace period). */
  removed: string[];
  /** Files of the superseded generation kept for the grace period. */
  retained: string[];
}

/** Publishes `options.repomd` in `repodata` (whose new files are already written). */
export async function publishGeneration(repodata: string, options: PublishOptions): Promise<PublishResult> {
  const repomdPath = join(repodata, 'repomd.xml');
  const ascPath = `${repomdPath}.asc`;
  const current = existsSync(repomdPath) ? readFileSync(repomdPath, 'utf8') : null;
  const signature = options.sign ? await options.sign(options.repomd) : null;
  writeDurably(repomdPath, options.repomd);
  if (signature !== null) writeDurably(ascPath, signature);
  else if (existsSync(ascPath)) unlinkSync(ascPath);
  fsyncDir(repodata);
  return cleanUp(repodata, namedFiles(options.repomd), current === null ? new Set() : namedFiles(current), options);
}

function cleanUp(repodata: string, named: Set<string>, previous: Set<string>, options: PublishOptions): PublishResult {
  const now = options.now ?? Date.now();
  const graceMs = (options.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
  const removed: string[] = [];
  const retained: string[] = [];
  for (const name of readdirSync(repodata)) {
    if (name === 'repomd.xml' || name === 'repomd.xml.asc' || named.has(name)) continue;
    const path = join(repodata, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    if (previous.has(name)) {
      // Superseded just now: its grace period starts now.
      utimesSync(path, st.atime, new Date(now));
      retained.push(name);
    } else if (now - st.mtimeMs > graceMs) {
      unlinkSync(path);
      removed.push(name);
    }
  }
  return { removed, retained };
}
