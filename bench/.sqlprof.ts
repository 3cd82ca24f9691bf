import Sqlite from 'better-sqlite3';
const stats = new Map<string, { n: number; ms: number; prep: number }>();
const proto = (Sqlite as unknown as { prototype: { prepare: (s: string) => unknown } }).prototype;
const orig = proto.prepare;
proto.prepare = function (this: unknown, src: string) {
  const t0 = performance.now();
  const stmt = orig.call(this, src) as Record<string, (...a: unknown[]) => unknown>;
  const key = src.replace(/\s+/g, ' ').slice(0, 140);
  const s = stats.get(key) ?? { n: 0, ms: 0, prep: 0 };
  s.prep += performance.now() - t0;
  stats.set(key, s);
  for (const m of ['all', 'run', 'get', 'iterate']) {
    const f = stmt[m];
    if (typeof f !== 'function') continue;
    stmt[m] = function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      try { return f.apply(stmt, a); } finally { s.n++; s.ms += performance.now() - t; }
    };
  }
  return stmt;
};
process.on('exit', () => {
  for (const [k, v] of [...stats].sort((a, b) => b[1].ms + b[1].prep - a[1].ms - a[1].prep).slice(0, 25)) console.error(v.n, 'exec', v.ms.toFixed(0), 'prep', v.prep.toFixed(0), k);
});
