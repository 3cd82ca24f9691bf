/**
 * Running git for the git service: the builds domain's tool runner (no shell, a timeout, never a
 * prompt), counting the processes spawned when the caller passes a counter (bench/git-poll.ts).
 */
import { lastErrorLine, runTool, type ToolResult } from '../builds/exec.ts';

/** Counts git processes spawned. */
export interface ProcessCounter {
  processes: number;
}

/** Runs `git ARGS…`; never rejects on a non-zero exit. */
export function runGit(args: readonly string[], counter?: ProcessCounter, timeoutMs = 300_000): Promise<ToolResult> {
  if (counter) counter.processes += 1;
  return runTool('git', args, { timeoutMs });
}

export { lastErrorLine };
