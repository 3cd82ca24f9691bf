/**
 * Starting a worker thread on one of our TypeScript modules. Node's worker threads do not inherit
 * the tsx loader the main thread was started with, so a `.ts` worker is booted by a one-line
 * script that registers tsx in the worker and then imports the module. A `.js` module (a built
 * tree) starts directly.
 */
import { Worker } from 'node:worker_threads';

export function startWorker(module: URL): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(boot, { eval: true });
}
