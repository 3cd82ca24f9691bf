// A node:test reporter that writes one line per test file when the run ends: the file's wall time
// (from its process's start to its end; files run in parallel) and its name, slowest first.
// scripts/test.sh uses it beside the spec reporter so that a run says where its time went.
import { relative } from 'node:path';

export default async function* fileTimes(source) {
  const took = new Map();
  for await (const event of source) {
    const d = event.data;
    // Each file is one test of the runner's, named by its path, completed when its process ends.
    if (event.type === 'test:complete' && d?.file && d.name === d.file) took.set(d.file, d.details?.duration_ms ?? 0);
  }
  for (const [file, ms] of [...took].sort((a, b) => b[1] - a[1])) {
    yield `${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(process.cwd(), file)}\n`;
  }
}
