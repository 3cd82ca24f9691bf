/**
 * Helpers for the git service's tests: upstream repositories made on the spot (git init in a
 * temporary directory, the example package greeter-doc at the root), tags pushed to them,
 * signed webhook requests, and waiting for a condition over the API (an event's build among them).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { createNodeToken } from '../../src/auth/nodes.ts';
import type { PipelineView } from '../../src/git/types.ts';
import { NodeAgent } from '../../src/node/agent.ts';
import { buildableArches } from '../../src/node/host.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { freshDatabaseUrl } from '../support/db.ts';
import { api } from '../support/server.ts';
import { bootstrapRepo, NODE_CACHE, PLATFORM_REPOS } from '../support/bootstrap-repo.ts';

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

/** A master started from `configFile` (git ticks every 200 ms) and one local node serving this host. */
export interface GitMaster {
  server: RunningServer;
  admin: string;
  stop(): Promise<void>;
}

export async function startGitMaster(work: string, configFile: string, capabilities: string[] = ['build']): Promise<GitMaster> {
  await bootstrapRepo();
  const server = await startServer({ dataDir: join(work, 'data'), db: await freshDatabaseUrl(), host: '127.0.0.1', port: 0, configFile, logLevel: 'silent', gitTickMs: 200, platformReposDir: PLATFORM_REPOS });
  const arches = buildableArches();
  const node = await createNodeToken(server.ctx, { name: 'local', arches, capabilities: capabilities as ('build' | 'test')[], maxConcurrency: 2 });
  const agent = new NodeAgent({ server: server.url, token: node.secret, arches, capabilities, maxConcurrency: 2, workDir: join(work, 'node'), cacheDir: NODE_CACHE, waitSeconds: 1, log: pino({ level: 'silent' }) });
  const agentDone = agent.run();
  return {
    server,
    admin: server.admin.token ?? '',
    async stop() {
      agent.stop();
      await agentDone.catch(() => undefined);
      await server.close();
    },
  };
}

/** The pipeline of package `name`. */
export async function pipeline(server: Pick<RunningServer, 'url'>, name: string): Promise<PipelineView> {
  const r = await api<PipelineView>(server, 'GET', `/git/packages/${name}`);
  assert.equal(r.status, 200);
  return r.body;
}

/** Waits until the newest event of `name` for `ref` has led to a build (failing if it could not); returns that entry. */
export function submittedEntry(server: Pick<RunningServer, 'url'>, name: string, ref: string, timeoutMs = 60_000): Promise<PipelineView['pipeline'][number] & { buildId: number }> {
  return waitFor(`a build of ${name} ${ref}`, async () => {
    const e = (await pipeline(server, name)).pipeline.find((x) => x.ref === ref);
    if (e?.status === 'failed') throw new Error(`event failed: ${e.message ?? ''}`);
    return e && e.buildId !== null ? { ...e, buildId: e.buildId } : undefined;
  }, timeoutMs);
}

/** Waits until the newest event of `name` for `ref` has a build that ended; returns that entry. */
export function builtEntry(server: Pick<RunningServer, 'url'>, name: string, ref: string, timeoutMs = 110_000): Promise<PipelineView['pipeline'][number]> {
  return waitFor(`a finished build of ${name} ${ref}`, async () => {
    const e = (await pipeline(server, name)).pipeline.find((x) => x.ref === ref);
    if (e?.status === 'failed') throw new Error(`event failed: ${e.message ?? ''}`);
    return e?.build && ['succeeded', 'failed', 'cancelled'].includes(e.build.state) ? e : undefined;
  }, timeoutMs);
}
