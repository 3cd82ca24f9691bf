// A node:test reporter that writes one line per test file when the run ends: its wall time and its
// name, slowest first. scripts/test.sh uses it beside the spec reporter so that a run says where
// its time went.
import { relative } from 'node:path';

export default async function* fileTimes(source) {
  const started = new Map();
  const took = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    if (!file) continue;
    const now = performance.now();
    if (!started.has(file)) started.set(file, now);
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      took.set(file, now - started.get(file));
    }
  }
  const rows = [...took].sort((a, b) => b[1] - a[1]);
  for (const [file, ms] of rows) yield `${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(process.cwd(), file)}\n`;
}
