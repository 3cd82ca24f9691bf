import pg from 'pg';
const stats = new Map<string, { n: number; ms: number }>();
const orig = pg.Client.prototype.query as (...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...a: unknown[]) {
  const text = typeof a[0] === 'string' ? a[0] : (a[0] as { text?: string })?.text ?? '?';
  const key = text.replace(/\s+/g, ' ').slice(0, 120);
  const t = performance.now();
  const r = orig.apply(this, a);
  if (r && typeof (r as Promise<unknown>).then === 'function') {
    (r as Promise<unknown>).then(() => { const s = stats.get(key) ?? { n: 0, ms: 0 }; s.n++; s.ms += performance.now() - t; stats.set(key, s); }, () => {});
  }
  return r;
};
process.on('exit', () => {
  for (const [k, v] of [...stats].sort((x, y) => y[1].ms - x[1].ms).slice(0, 25)) console.error(v.n, (v.ms / v.n).toFixed(2), k);
});
