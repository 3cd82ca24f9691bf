/** Helpers of the end-to-end tests that run `distforge up` as a process. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { bootstrapRepo, TEST_CACHE } from './bootstrap-repo.ts';
import { DISTFORGE } from './cli.ts';

export const EXAMPLE_PACKAGES = resolve(import.meta.dirname, '../../examples/packages');

/** examples/packages/NAME copied to WORK/git/NAME as a git repository tagged v1; returns `file://DIR#v1`. */
export function exampleGitRepo(work: string, name: string): string {
  const dir = join(work, 'git', name);
  cpSync(join(EXAMPLE_PACKAGES, name), dir, { recursive: true });
  const git = (...args: string[]): void => {
    execFileSync('git', ['-c', 'user.email=e2e@distforge.test', '-c', 'user.name=e2e', ...args], { cwd: dir, stdio: 'ignore' });
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'import');
  git('tag', 'v1');
  return `file://${dir}#v1`;
}

/** A TCP port free on 127.0.0.1 now. */
export function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

/** `distforge up` running as a process: its output so far, its URL, the CLI environment. */
export interface RunningUp {
  process: ChildProcess;
  output: () => string;
  url: string;
  /** DISTFORGE_URL and DISTFORGE_TOKEN (the admin's) for runCli. */
  env: NodeJS.ProcessEnv;
  /** SIGTERM, then waits for the exit (nothing when it has ended already). */
  stop: () => Promise<number | null>;
}

/**
 * Starts `distforge up --data DATA` on a free port, with the tests' shared caches (the bootstrap
 * repository and build roots are made once per run: bootstrap-repo.ts), and waits (up to
 * `timeoutMs`) until it says where it is.
 */
export async function startUp(data: string, timeoutMs: number): Promise<RunningUp> {
  await bootstrapRepo();
  const port = await freePort();
  const child = spawn(DISTFORGE, ['up', '--data', data, '--port', String(port), '--cache', TEST_CACHE], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.resume();
  const deadline = Date.now() + timeoutMs;
  while (!/distforge is up at (\S+)/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`distforge up did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = /distforge is up at (\S+)/.exec(output)?.[1] ?? '';
  return {
    process: child,
    output: () => output,
    url,
    env: { DISTFORGE_URL: url, DISTFORGE_TOKEN: readFileSync(join(data, 'admin.token'), 'utf8').trim() },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return new Promise<number | null>((r) => child.once('exit', r));
    },
  };
}
