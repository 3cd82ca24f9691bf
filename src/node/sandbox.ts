/**
 * The build sandbox: every build command (rpmbuild, rpmspec, rpm into the private rpmdb) runs in
 * src/sandbox's bubblewrap sandbox as the unprivileged sandbox user, with the build limits (or
 * the spec-evaluation limits), over the task's build root (builders/build-root.ts):
 *
 * - own network (loopback only), PID, IPC, UTS namespaces; killing bwrap kills the build;
 * - the host's /usr and a few /etc entries read-only, a private /tmp, its own /proc and /dev;
 * - the directories the caller mounts (the rpmbuild top dir writable, inputs read-only), given to
 *   the sandbox's user first so that it may read them whatever the node's umask;
 * - a cleared environment, its own host name.
 *
 * Nothing else of the host is visible, so the build cannot write outside its build root.
 */
import { giveToSandbox, runSandboxed, type SandboxSpec } from '../sandbox/index.ts';
import type { RunOptions, RunResult } from './run.ts';

export type { SandboxMount, SandboxSpec } from '../sandbox/index.ts';

/** Runs `command` in the sandbox, logging its output (see run.ts); `timeoutMs` kills it. */
export async function runInSandbox(spec: SandboxSpec, command: readonly string[], options: RunOptions & { timeoutMs?: number } = {}): Promise<RunResult & { stdout: string; timedOut: boolean }> {
  for (const m of spec.mounts) giveToSandbox(m.host, spec.user, m.writable);
  const r = await runSandboxed(spec, command, {
    ...(options.logPath !== undefined ? { logPath: options.logPath } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  return { code: r.code, signal: r.signal, output: r.output, stdout: r.stdout, timedOut: r.timedOut };
}

/** The environment of a build: a fixed PATH and locale, HOME in the build root. */
export function baseEnv(home: string): Record<string, string> {
  return {
    PATH: '/usr/bin:/usr/sbin:/bin:/sbin',
    HOME: home,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    SHELL: '/bin/bash',
    TMPDIR: '/tmp',
  };
}

