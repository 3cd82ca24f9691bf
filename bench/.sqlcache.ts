import Sqlite from 'better-sqlite3';
const proto = (Sqlite as unknown as { prototype: { prepare: (s: string) => unknown; pragma: (s: string) => unknown } }).prototype;
const orig = proto.prepare;
const caches = new WeakMap<object, Map<string, unknown>>();
proto.prepare = function (this: object, src: string) {
  let c = caches.get(this);
  if (!c) { c = new Map(); caches.set(this, c); if (process.env.SYNC_NORMAL) proto.pragma.call(this, 'synchronous = NORMAL'); }
  let s = c.get(src);
  if (!s) { s = orig.call(this, src); c.set(src, s); }
  return s;
};
