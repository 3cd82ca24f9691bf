/**
 * Running one build command: its stdout and stderr, interleaved as they come, are appended to the
 * task's log file and handed to a listener (the log streamer) while it runs; the output is also
 * kept in memory, up to a limit, so a failure can quote the relevant lines.
 *
 * An abort signal (lease lost, node stopping) kills the command; bwrap runs with
 * --die-with-parent and its own PID namespace, so everything under it dies too.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

/** How a command run went. */
export interface RunResult {
  /** Exit status; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved (the first {@link OUTPUT_LIMIT} characters). */
  output: string;
}

/** Characters of output kept in memory per command. */
export const OUTPUT_LIMIT = 4 * 1024 * 1024;

export interface RunOptions {
  /** Appends all output (and a `+ command` line first) here. */
  logPath?: string;
  /** Called with each piece of output as it arrives. */
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs `cmd args`, logging its output; resolves when it exits (never rejects for a failing exit). */
export function runLogged(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const emit = (text: string): void => {
    if (options.logPath !== undefined) appendFileSync(options.logPath, text);
    options.onOutput?.(text);
  };
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted'));
      return;
    }
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let output = '';
    const take = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      if (output.length < OUTPUT_LIMIT) output += text.slice(0, OUTPUT_LIMIT - output.length);
      emit(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) {
        reject(options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted'));
        return;
      }
      resolve({ code, signal, output });
    });
  });
}

/** The last `n` non-empty lines of `text`. */
export function lastLines(text: string, n: number): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-n);
}

/** A line of distforge's own (`distforge: …`) into a command run's log and to its listener. */
export function noteRun(run: RunOptions, text: string): void {
  const line = `distforge: ${text}\n`;
  if (run.logPath !== undefined) appendFileSync(run.logPath, line);
  run.onOutput?.(line);
}
