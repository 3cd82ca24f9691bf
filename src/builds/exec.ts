/**
 * Running the external tools the builds domain needs (git, rpmspec): arguments as an array (no
 * shell), a timeout, bounded output, and an environment that never prompts for credentials.
 */
import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ToolOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Output beyond this many bytes (per stream) is an error; default 16 MiB. */
  maxBytes?: number;
}

/** An environment in which git fails instead of asking for a user name, password or host key. */
export const NON_INTERACTIVE_ENV: NodeJS.ProcessEnv = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'true',
  SSH_ASKPASS: 'true',
  GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new',
  LC_ALL: 'C',
};

/** Runs `cmd args…`; resolves with its exit code and output (never rejects on a non-zero exit). */
export function runTool(cmd: string, args: readonly string[], options: ToolOptions = {}): Promise<ToolResult> {
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: { ...process.env, ...NON_INTERACTIVE_ENV, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let overflow = false;
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes > maxBytes) {
        overflow = true;
        child.kill('SIGKILL');
      } else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      errBytes += d.length;
      if (errBytes <= 65536) err.push(d);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (overflow) return resolve({ code: 1, stdout: '', stderr: `${cmd}: output larger than ${maxBytes} bytes` });
      const timedOut = signal === 'SIGKILL' && code === null;
      resolve({
        code: code ?? 128,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: timedOut ? `${stderr}\n${cmd}: timed out` : stderr,
      });
    });
  });
}

/** The last meaningful line of a tool's error output (git and rpmspec put the reason there). */
export function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(please make sure|and the repository exists)/i.test(l));
  const fatal = lines.filter((l) => /^(fatal|error):/i.test(l));
  return (fatal[0] ?? lines[lines.length - 1] ?? 'failed').replace(/^(fatal|error):\s*/i, '');
}
