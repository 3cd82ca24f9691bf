/**
 * The sandbox autopatch evaluates upstream content in (run_script's scripts, and rpmspec on the
 * spec): src/sandbox's bubblewrap sandbox, on the master, as the unprivileged sandbox user with
 * the spec-evaluation limits and a time limit. No network (own, loopback-only network namespace),
 * own PID/IPC/UTS namespaces, the host's /usr and a few /etc entries read-only, a private /tmp,
 * the package tree at /package (writable for run_script, read-only for rpmspec), the patches
 * repository's directory read-only at /patches, nothing else of the host: not the data directory,
 * not the host's /tmp. The time limit kills bwrap (and with it, via its PID namespace, everything
 * the command started).
 */
import { giveToSandbox, runSandboxed, sandboxUser, SPEC_EVALUATION_LIMITS, type SandboxMount, type SandboxSpec } from '../sandbox/index.ts';

export interface ScriptRun {
  /** Host path of the package tree (bound at /package). */
  tree: string;
  /** Whether the command may change the tree (run_script: yes; rpmspec: no). */
  treeWritable?: boolean;
  /** Host directory holding the script (bound read-only at /patches), if any. */
  filesDir?: string;
  /** Command inside the sandbox (paths under /patches and /package). */
  command: string[];
  env: Record<string, string>;
  timeoutSeconds: number;
}

export interface ScriptOutcome {
  exitCode: number | null;
  timedOut: boolean;
  /** stdout and stderr interleaved (the first 64 KiB). */
  output: string;
  /** stdout alone (the first 64 KiB). */
  stdout: string;
}

/** The sandbox of a run. */
export function scriptSandbox(run: ScriptRun): SandboxSpec {
  const mounts: SandboxMount[] = [{ host: run.tree, sandbox: '/package', writable: run.treeWritable !== false }];
  if (run.filesDir !== undefined) mounts.push({ host: run.filesDir, sandbox: '/patches', writable: false });
  const env = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/tmp', LC_ALL: 'C.UTF-8', ...run.env };
  return { mounts, env, hostname: 'autopatch', cwd: '/package', user: sandboxUser(), limits: { ...SPEC_EVALUATION_LIMITS, cpuSeconds: run.timeoutSeconds } };
}

/**
 * Runs the command in the sandbox; kills it after the time limit. A writable tree is given to the
 * sandbox user for the run and back to distforge's user afterwards.
 */
export async function runScriptSandboxed(run: ScriptRun): Promise<ScriptOutcome> {
  const spec = scriptSandbox(run);
  for (const m of spec.mounts) giveToSandbox(m.host, spec.user, m.writable);
  try {
    const r = await runSandboxed(spec, run.command, { timeoutMs: run.timeoutSeconds * 1000, keep: 65536 });
    return { exitCode: r.code, timedOut: r.timedOut, output: r.output, stdout: r.stdout };
  } finally {
    if (spec.user !== null && run.treeWritable !== false) giveToSandbox(run.tree, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }, true);
  }
}
