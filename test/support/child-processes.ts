/**
 * This process's child processes as /proc shows them: for tests that check a helper a command
 * started (zstd, git http-backend) is running, or gone.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of this process's children whose command line contains `marker`. */
export function childProcesses(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …": comm may hold anything, so the fields are read after its ")".
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
