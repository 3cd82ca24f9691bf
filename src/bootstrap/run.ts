/**
 * Running the host tools the maker uses (apt-get, dpkg-deb, rpmdeps): asynchronously, so several
 * run beside each other, with their output collected; and a small pool bounding how many run.
 */
import { spawn } from 'node:child_process';
import { BootstrapError } from './errors.ts';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ToolOptions {
  cwd?: string;
  /** Written to the tool's standard input. */
  input?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs `cmd args`; resolves with its exit status and output (rejects only when it cannot start). */
export function runTool(cmd: string, args: readonly string[], options: ToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? { ...process.env, LC_ALL: 'C.UTF-8' },
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new BootstrapError(`cannot run ${cmd}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    if (options.input !== undefined) {
      child.stdin?.on('error', () => undefined); // a tool that exits early closes its input
      child.stdin?.end(options.input);
    }
  });
}

/** Runs `cmd args` and returns its standard output; a non-zero exit is a BootstrapError quoting the tool. */
export async function toolOutput(cmd: string, args: readonly string[], options: ToolOptions = {}): Promise<string> {
  const r = await runTool(cmd, args, options);
  if (r.code !== 0) {
    const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join('; ');
    throw new BootstrapError(`${cmd} ${args.slice(0, 3).join(' ')}… failed (exit ${r.code}): ${said}`);
  }
  return r.stdout;
}

/** Calls `work` on every item, at most `limit` at once; results in the order of `items`. After a failure nothing new starts. */
export async function mapPool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        results[i] = await work(items[i] as T, i);
      } catch (e) {
        failed = true; // start nothing new; the first error is what the caller sees
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
