/**
 * Resource limits of a sandboxed command (setrlimit through util-linux's `prlimit`, inside the
 * sandbox, before the drop to the sandbox's user): what one command may take of the machine
 * however hostile its input. Wall-clock time limits are the caller's (it kills bwrap).
 */
import { readFileSync } from 'node:fs';

export interface SandboxLimits {
  /** Address space per process, in bytes (RLIMIT_AS). */
  addressSpaceBytes?: number;
  /** Processes of the sandbox's user (RLIMIT_NPROC; counted per user, across sandboxes). */
  processes?: number;
  /** Open files per process (RLIMIT_NOFILE). */
  openFiles?: number;
  /** Largest file a process may write, in bytes (RLIMIT_FSIZE). */
  fileSizeBytes?: number;
  /** CPU seconds per process (RLIMIT_CPU). */
  cpuSeconds?: number;
}

const GiB = 1024 ** 3;

/** Evaluating a spec (rpmspec queries): small, short, no big files. */
export const SPEC_EVALUATION_LIMITS: SandboxLimits = {
  addressSpaceBytes: 2 * GiB,
  processes: 4096,
  openFiles: 1024,
  fileSizeBytes: GiB,
  cpuSeconds: 120,
};

/**
 * Building packages: compilers and test suites need room, so only what protects the machine (a
 * fork bomb, a runaway file); the build's duration is bounded by its lease and the node.
 */
export const BUILD_LIMITS: SandboxLimits = {
  processes: 16384,
  openFiles: 65536,
  fileSizeBytes: 64 * GiB,
};

/** `prlimit` option → the line of /proc/self/limits that shows it. */
const PROC_NAMES: Record<string, string> = {
  as: 'Max address space',
  nproc: 'Max processes',
  nofile: 'Max open files',
  fsize: 'Max file size',
  cpu: 'Max cpu time',
};

/** This process's hard limits (a sandbox can lower a limit, never raise it), by prlimit option. */
function hardLimits(): Map<string, number> {
  const out = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return out;
  }
  for (const [option, name] of Object.entries(PROC_NAMES)) {
    const line = text.split('\n').find((l) => l.startsWith(name));
    const hard = line?.slice(name.length).trim().split(/\s+/)[1];
    if (hard !== undefined && /^\d+$/.test(hard)) out.set(option, Number(hard));
  }
  return out;
}

/** `prlimit` options for `limits` (soft and hard limit alike, never above this process's hard limit). */
export function limitArgs(limits: SandboxLimits): string[] {
  const out: string[] = [];
  const hard = hardLimits();
  const add = (option: string, value: number | undefined): void => {
    if (value !== undefined) out.push(`--${option}=${Math.floor(Math.min(value, hard.get(option) ?? Infinity))}`);
  };
  add('as', limits.addressSpaceBytes);
  add('nproc', limits.processes);
  add('nofile', limits.openFiles);
  add('fsize', limits.fileSizeBytes);
  add('cpu', limits.cpuSeconds);
  return out;
}
