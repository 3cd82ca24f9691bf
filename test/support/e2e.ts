/** Helpers of the end-to-end tests that run `distforge up` as a process. */
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

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
