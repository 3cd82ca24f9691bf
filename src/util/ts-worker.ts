/**
 * Starting a worker thread on one of our modules. Two ways distforge runs:
 * - bundled (bin/distforge runs .build/main.mjs or .build/repo-main.cjs): every worker module is
 *   bundled beside them, on its own, as CommonJS `NAME.cjs` (a thread loads one CommonJS file
 *   faster than an ES module and its chunks), so `./read-worker.ts` becomes `.build/read-worker.cjs`;
 * - from the sources through tsx (tests, library use): worker threads do not inherit the tsx
 *   loader, so a one-line script registers tsx in the worker and then imports the module.
 */
import { Worker } from 'node:worker_threads';
import { BUNDLED } from './bundled.ts';

export function startWorker(module: URL): Worker {
  if (BUNDLED) {
    const name = module.pathname.slice(module.pathname.lastIndexOf('/') + 1).replace(/\.ts$/, '.cjs');
    return new Worker(new URL(`./${name}`, import.meta.url));
  }
  if (!module.pathname.endsWith('.ts')) return new Worker(module);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(boot, { eval: true });
}
