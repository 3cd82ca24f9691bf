/**
 * Running a command in the sandbox (bwrap.ts): its output kept (stdout apart, and both streams
 * interleaved as they came, each up to a limit), handed to a listener as it arrives and appended
 * to a log file; killed (bwrap, and with it its whole PID namespace) at the time limit or when the
 * caller's signal aborts.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { bwrapArgs, type SandboxSpec } from './bwrap.ts';

export interface SandboxRunOptions {
  /** Kill the command after this long (wall clock). */
  timeoutMs?: number;
  /** Appends all output here as it comes. */
  logPath?: string;
  /** Called with each piece of output as it arrives. */
  onOutput?: (text: string) => void;
  /** Kills the command; the run then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Characters of output kept in memory (each of stdout and the interleaved output); default 4 Mi. */
  keep?: number;
}

export interface SandboxRunResult {
  /** Exit status; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The time limit was reached (the command was killed). */
  timedOut: boolean;
  stdout: string;
  /** stdout and stderr interleaved. */
  output: string;
}

const DEFAULT_KEEP = 4 * 1024 * 1024;

/** Runs `command` in the sandbox `spec`; resolves when it exits (never rejects for a failing exit). */
export function runSandboxed(spec: SandboxSpec, command: readonly string[], options: SandboxRunOptions = {}): Promise<SandboxRunResult> {
  const keep = options.keep ?? DEFAULT_KEEP;
  return new Promise((resolve, reject) => {
    const aborted = (): Error => (options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    if (options.signal?.aborted) {
      reject(aborted());
      return;
    }
    const child = spawn('bwrap', bwrapArgs(spec, command), { stdio: ['ignore', 'pipe', 'pipe'], env: {} });
    let stdout = '';
    let output = '';
    const take = (chunk: Buffer, isStdout: boolean): void => {
      const text = chunk.toString('utf8');
      if (isStdout && stdout.length < keep) stdout += text.slice(0, keep - stdout.length);
      if (output.length < keep) output += text.slice(0, keep - output.length);
      if (options.logPath !== undefined) appendFileSync(options.logPath, text);
      options.onOutput?.(text);
    };
    child.stdout.on('data', (c: Buffer) => take(c, true));
    child.stderr.on('data', (c: Buffer) => take(c, false));
    let timedOut = false;
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('close', (code, signal) => {
      done();
      if (options.signal?.aborted) reject(aborted());
      else resolve({ code, signal, timedOut, stdout, output });
    });
  });
}
