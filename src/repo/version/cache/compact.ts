/**
 * Saving the version cache at the end of a render: records unused for the retention period (and
 * those that failed a check) are dropped; a pack with nothing left is deleted; a pack that is mostly
 * dead, or one of many small packs, has its live records copied into a new pack; then the index is
 * replaced (by rename) and only after that are the packs it no longer names deleted, so an index
 * never names a missing pack. Not flushed to disk: after a crash a damaged cache is detected and
 * ignored, which costs time, never correctness.
 */
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFileSync } from '../../../util/atomic-file.ts';
import { RENDER_VERSION } from '../../create/fragments.ts';
import { CW, FW, encodeIndex, type IndexData } from './index-file.ts';
import { PACK_HEADER, packPath, readSpans, writePack, type PackInfo } from './packs.ts';
import type { VersionCache } from './store.ts';

/** More packs than this: the small ones are merged. */
const MAX_PACKS = 32;
/** A pack below this size counts as small. */
const SMALL_PACK = 16 * 1024 * 1024;

/** Which records survive, and which packs are kept, rewritten or deleted. */
function plan(cache: VersionCache): { liveF: Uint8Array; liveC: Uint8Array; rewrite: Set<number>; remove: Set<number> } {
  const { frags, chunks, packs } = cache.data;
  const oldest = cache.today - cache.retentionDays;
  const usable = packs.map((_p, n) => cache.files.usable(n));
  const live = new Float64Array(packs.length);
  /** Marks the live records of one table and adds their bytes to their packs. */
  const mark = (count: number, words: Uint32Array, W: { width: number; dead: number; used: number; pack: number }, bytes: (w: number) => number): Uint8Array => {
    const out = new Uint8Array(count);
    for (let r = 0; r < count; r++) {
      const w = r * W.width;
      const n = words[w + W.pack] ?? 0;
      if (words[w + W.dead] || (words[w + W.used] ?? 0) < oldest || !usable[n]) continue;
      out[r] = 1;
      live[n] = (live[n] ?? 0) + bytes(w);
    }
    return out;
  };
  const f = frags.words;
  const liveF = mark(frags.count, f, FW, (w) => (f[w + FW.len] ?? 0) + (f[w + FW.len + 1] ?? 0) + (f[w + FW.len + 2] ?? 0));
  const liveC = mark(chunks.count, chunks.words, CW, (w) => chunks.words[w + CW.len] ?? 0);
  const rewrite = new Set<number>();
  const remove = new Set<number>();
  const kept = packs.filter((_p, n) => (live[n] ?? 0) > 0).length;
  packs.forEach((p, n) => {
    const payload = p.size - PACK_HEADER;
    const l = live[n] ?? 0;
    if (l === 0) remove.add(n);
    else if (l * 2 < payload || (kept > MAX_PACKS && p.size < SMALL_PACK)) rewrite.add(n);
  });
  return { liveF, liveC, rewrite, remove };
}

/** Copies the live fragments of the packs in `rewrite` into one new pack, `order` first. */
function moveFragments(cache: VersionCache, liveF: Uint8Array, rewrite: Set<number>, order: ArrayLike<number>): { info: PackInfo; moved: Map<number, number[]> } | null {
  const picked: number[] = [];
  const seen = new Uint8Array(liveF.length);
  const take = (r: number): void => {
    if (r < liveF.length && liveF[r] && !seen[r] && rewrite.has(cache.fragPack(r))) {
      seen[r] = 1;
      picked.push(r);
    }
  };
  for (let i = 0; i < order.length; i++) take(order[i] ?? -1);
  for (let r = 0; r < liveF.length; r++) take(r);
  if (picked.length === 0) return null;
  const moved = new Map<number, number[]>();
  for (const r of picked) moved.set(r, []);
  const { info } = writePack(cache.packsDir, 'f', (writer) => {
    for (let k = 0; k < 3; k++) {
      let at = writer.size;
      for (const r of picked) {
        (moved.get(r) as number[]).push(at);
        at += cache.fragLength(r, k);
      }
      const spans = { count: picked.length, pack: (i: number) => cache.fragPack(picked[i] ?? 0), offset: (i: number) => cache.fragOffset(picked[i] ?? 0, k), length: (i: number) => cache.fragLength(picked[i] ?? 0, k) };
      readSpans(cache.files, spans, null, (buf, end) => writer.append([buf.subarray(0, end)]));
    }
  });
  return { info, moved };
}

/** Copies the live chunks of the packs in `rewrite` into one new pack. */
function moveChunks(cache: VersionCache, liveC: Uint8Array, rewrite: Set<number>): { info: PackInfo; moved: Map<number, number> } | null {
  const picked: number[] = [];
  for (let c = 0; c < liveC.length; c++) if (liveC[c] && rewrite.has(cache.chunkPack(c))) picked.push(c);
  if (picked.length === 0) return null;
  const moved = new Map<number, number>();
  const { info } = writePack(cache.packsDir, 'c', (writer) => {
    let at = writer.size;
    for (const c of picked) {
      moved.set(c, at);
      at += cache.chunkLength(c);
    }
    const spans = { count: picked.length, pack: (i: number) => cache.chunkPack(picked[i] ?? 0), offset: (i: number) => cache.chunkOffset(picked[i] ?? 0), length: (i: number) => cache.chunkLength(picked[i] ?? 0) };
    readSpans(cache.files, spans, null, (buf, end) => writer.append([buf.subarray(0, end)]));
  });
  return { info, moved };
}

function setOffset(words: Uint32Array, at: number, value: number): void {
  words[at] = value % 0x1_0000_0000;
  words[at + 1] = Math.floor(value / 0x1_0000_0000);
}

/** The new index: live records only, packs renumbered, moved records pointing at their new place. */
function rebuild(cache: VersionCache, p: ReturnType<typeof plan>, fm: ReturnType<typeof moveFragments>, cm: ReturnType<typeof moveChunks>): IndexData {
  const { frags, chunks, packs } = cache.data;
  const renumber = new Int32Array(packs.length).fill(-1);
  const newPacks: PackInfo[] = [];
  packs.forEach((info, n) => {
    if (!p.remove.has(n) && !p.rewrite.has(n)) renumber[n] = newPacks.push(info) - 1;
  });
  const fPack = fm ? newPacks.push(fm.info) - 1 : -1;
  const cPack = cm ? newPacks.push(cm.info) - 1 : -1;
  const liveF: number[] = [];
  for (let r = 0; r < frags.count; r++) if (p.liveF[r]) liveF.push(r);
  const fw = new Uint32Array(Math.max(liveF.length * FW.width, 16));
  const ids = Buffer.alloc(liveF.length * 32);
  const digests = Buffer.alloc(liveF.length * 32);
  const hrefs: string[] = [];
  liveF.forEach((r, i) => {
    fw.set(frags.words.subarray(r * FW.width, (r + 1) * FW.width), i * FW.width);
    const w = i * FW.width;
    const move = fm?.moved.get(r);
    if (move) {
      fw[w + FW.pack] = fPack;
      move.forEach((off, k) => setOffset(fw, w + FW.off + 2 * k, off));
    } else fw[w + FW.pack] = renumber[fw[w + FW.pack] ?? 0] ?? -1;
    frags.ids.copy(ids, i * 32, r * 32, r * 32 + 32);
    frags.digests.copy(digests, i * 32, r * 32, r * 32 + 32);
    hrefs.push(frags.hrefs[r] as string);
  });
  const liveC: number[] = [];
  for (let c = 0; c < chunks.count; c++) if (p.liveC[c]) liveC.push(c);
  const cw = new Uint32Array(Math.max(liveC.length * CW.width, 16));
  const keys = Buffer.alloc(liveC.length * 32);
  liveC.forEach((c, i) => {
    cw.set(chunks.words.subarray(c * CW.width, (c + 1) * CW.width), i * CW.width);
    const w = i * CW.width;
    const at = cm?.moved.get(c);
    if (at !== undefined) {
      cw[w + CW.pack] = cPack;
      setOffset(cw, w + CW.offLo, at);
    } else cw[w + CW.pack] = renumber[cw[w + CW.pack] ?? 0] ?? -1;
    chunks.keys.copy(keys, i * 32, c * 32, c * 32 + 32);
  });
  return { packs: newPacks, frags: { count: liveF.length, words: fw, ids, digests, hrefs }, chunks: { count: liveC.length, words: cw, keys } };
}

/** Saves `cache` (see the module comment). */
export function saveCache(cache: VersionCache, order: ArrayLike<number>): void {
  const p = plan(cache);
  const expired = p.liveF.length - p.liveF.reduce((a, b) => a + b, 0) + p.liveC.length - p.liveC.reduce((a, b) => a + b, 0);
  if (!cache.dirty && expired === 0 && p.rewrite.size === 0 && p.remove.size === 0) return;
  // Nothing dropped or moved (a render that only added entries): the index is written as it is.
  const next = expired === 0 && p.rewrite.size === 0 && p.remove.size === 0 ? cache.data : rebuild(cache, p, moveFragments(cache, p.liveF, p.rewrite, order), moveChunks(cache, p.liveC, p.rewrite));
  const bytes = encodeIndex(next, RENDER_VERSION);
  replaceFileSync(join(cache.dir, 'index'), (tmp) => writeFileSync(tmp, bytes));
  const named = new Set(next.packs.map((info) => packPath(cache.packsDir, info)));
  cache.data.packs.forEach((_info, n) => {
    if (p.remove.has(n) || p.rewrite.has(n)) cache.files.drop(n);
  });
  let names: string[] = [];
  try {
    names = readdirSync(cache.packsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(cache.packsDir, name);
    if (named.has(path)) continue;
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
  }
}
