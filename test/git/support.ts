/**
 * Helpers for the git service's tests: upstream repositories made on the spot (git init in a
 * temporary directory, the example package greeter-doc at the root), tags pushed to them,
 * signed webhook requests, and waiting for a condition over the API.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const EXAMPLES = resolve(import.meta.dirname, '../../examples/packages');

/** Runs git with a fixed identity; returns its trimmed output. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Upstream', '-c', 'user.email=upstream@example.invalid', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** An upstream repository ROOT/NAME holding examples/packages/greeter-doc, one commit on main. */
export function upstreamRepo(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(EXAMPLES, 'greeter-doc'), dir, { recursive: true });
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'import greeter-doc');
  return dir;
}

/** An annotated tag upstream (as an import would push it); returns the tagged commit. */
export function pushTag(dir: string, tag: string): string {
  git(dir, 'tag', '-a', tag, '-m', tag);
  return git(dir, 'rev-parse', 'HEAD');
}

/** Headers of a Gitea/Forgejo push webhook signed with `secret`. */
export function giteaHeaders(body: string, secret: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-gitea-event': 'push', 'x-gitea-signature': createHmac('sha256', secret).update(body).digest('hex') };
}

/** A push payload naming `url` as Gitea sends it (trimmed). */
export function pushPayload(url: string, ref: string): string {
  return JSON.stringify({ ref, before: '0'.repeat(40), after: '1'.repeat(40), repository: { name: 'x', clone_url: url, html_url: url } });
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
