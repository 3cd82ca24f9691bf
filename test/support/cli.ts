/** Runs the real `bin/distforge` as a user would, capturing its output and exit status. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const DISTFORGE = resolve(import.meta.dirname, '../../bin/distforge');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `distforge ARGS…`; never throws for a non-zero exit. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** A running `distforge` command: what it printed so far, and its result once it exits. */
export interface RunningCli {
  stderr(): string;
  /** Resolves once its stderr matches `pattern` (rejects if it exits first). */
  saidOnStderr(pattern: RegExp): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts `distforge ARGS…` without waiting for it: for a test that acts once the command has said something. */
export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): RunningCli {
  let err = '';
  let exited = false;
  const watchers: (() => void)[] = [];
  const done = new Promise<CliResult>((resolve, fail) => {
    const child = spawn(DISTFORGE, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      err = stderr;
      for (const w of watchers) w();
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      exited = true;
      for (const w of watchers) w();
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
  return {
    stderr: () => err,
    saidOnStderr: (pattern) =>
      new Promise((ok, fail) => {
        const check = (): void => {
          if (pattern.test(err)) ok();
          else if (exited) fail(new Error(`distforge ${args.join(' ')} exited without saying ${pattern}: ${err}`));
        };
        watchers.push(check);
        check();
      }),
    done,
  };
}
