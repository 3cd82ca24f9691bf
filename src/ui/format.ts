/** How numbers, sizes and times read in the UI. */

/** 1536 → "1.5 KiB". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Milliseconds since the epoch → "2026-12-06 16:28" (local time). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Milliseconds since the epoch → "2026-12-06 16:28:05" (local time, to the second). */
export function formatTimeExact(ms: number): string {
  const d = new Date(ms);
  return `${formatTime(ms)}:${pad(d.getSeconds())}`;
}

/** A duration: "45 s", "3 min 5 s", "2 h 4 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "3 min ago" from `ms` to `now`. */
export function formatAgo(ms: number, now = Date.now()): string {
  return `${formatDuration(now - ms)} ago`;
}

/** An ISO day, or a dash. */
export function day(value: string | undefined): string {
  return value ?? '–';
}
