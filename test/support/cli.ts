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
  return new Promise((done, fail) => {
    const child = spawn(DISTFORGE, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
