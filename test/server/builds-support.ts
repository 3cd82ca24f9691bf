/**
 * Helpers for the builds tests: real git repositories made on the spot (from the example
 * packages or from spec text), a master with the builds routes and users of each role, and a
 * simulated node that leases and completes tasks through the real scheduler.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { issueUserToken } from '../../src/auth/tokens.ts';
import { decorateLease, onTaskCompleted } from '../../src/builds/index.ts';
import type { Task } from '../../src/db/schema.ts';
import { buildSrpmInRoot, srpmFactsInRoot } from '../../src/node/builders/rpmbuild-root.ts';
import { nodePlatform } from '../../src/node/platform.ts';
import { withAbsoluteRepoUrls } from '../../src/platforms/urls.ts';
import { bootstrapRepo, PLATFORM_REPOS, testRootCache } from '../support/bootstrap-repo.ts';
import { checkoutSource } from '../../src/node/sources.ts';
import { completeTask, describeLease, failTask, leaseTask, recordArtifact, rpmIndexRow, type LeasedTask } from '../../src/scheduler/index.ts';
import { withLocalBlob } from '../../src/storage/blob-files.ts';
import { el9Defines, rpmbuild } from '../support/rpmbuild.ts';
import { api, examplePlatform, startTestServer, type TestServer, type TestServerOptions } from '../support/server.ts';

export const EXAMPLES = resolve(import.meta.dirname, '../../examples/packages');

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'init.defaultBranch=main', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export interface GitRepo {
  /** The repository's path (a URL git accepts). */
  url: string;
  commit: string;
}

/** A git repository at ROOT/NAME with `files` committed on main (and tagged `tag` when given). */
export function makeGitRepo(root: string, name: string, files: Record<string, string>, tag?: string): GitRepo {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `import ${name}`);
  if (tag) git(dir, 'tag', '-a', tag, '-m', tag);
  return { url: dir, commit: git(dir, 'rev-parse', 'HEAD') };
}

/** A git repository holding the example package `name` (examples/packages/NAME). */
export function exampleRepo(root: string, name: string, tag?: string): GitRepo {
  const dir = join(root, name);
  cpSync(join(EXAMPLES, name), dir, { recursive: true });
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `import ${name}`);
  if (tag) git(dir, 'tag', '-a', tag, '-m', tag);
  return { url: dir, commit: git(dir, 'rev-parse', 'HEAD') };
}

/** Commits a change to `path` in the repository; returns the new commit. */
export function commitChange(repo: GitRepo, path: string, text: string, branch?: string): string {
  if (branch) git(repo.url, 'checkout', '-q', '-B', branch);
  writeFileSync(join(repo.url, path), text);
  git(repo.url, 'add', '-A');
  git(repo.url, 'commit', '-q', '-m', `change ${path}`);
  return git(repo.url, 'rev-parse', 'HEAD');
}

/** A spec of a package `name` with a -devel subpackage and these BuildRequires. */
export function specOf(name: string, buildRequires: string[] = [], extra = ''): string {
  return [
    `Name: ${name}`,
    'Version: 1.0',
    'Release: 1%{?dist}',
    `Summary: ${name}`,
    'License: MIT',
    ...buildRequires.map((b) => `BuildRequires: ${b}`),
    extra,
    '%description',
    `${name}.`,
    '%package devel',
    `Summary: ${name} headers`,
    '%description devel',
    'Headers.',
    '%files',
    '%files devel',
    '',
  ].join('\n');
}

export interface BuildsServer extends TestServer {
  maintainer: string;
  reader: string;
  gitRoot: string;
}

/** The example platform under another name, building for x86_64, aarch64 and ppc64le (only x86_64 nodes run here). */
export function multiArchPlatform(name = 'multi-el9'): unknown {
  return { ...examplePlatform(), name, arches: ['x86_64', 'aarch64', 'ppc64le', 'noarch'] };
}

/** A master with the example platform (and `morePlatforms`), a maintainer and a read-only user. */
export async function startBuildsServer(opts: Omit<TestServerOptions, 'platforms'> & { morePlatforms?: unknown[] } = {}): Promise<BuildsServer> {
  await bootstrapRepo();
  const { morePlatforms = [], ...rest } = opts;
  const server = await startTestServer({ platformReposDir: PLATFORM_REPOS, ...rest, platforms: [examplePlatform(), ...morePlatforms] });
  const maintainer = (await issueUserToken(server.ctx, 'maint', 'maintainer')).secret;
  const reader = (await issueUserToken(server.ctx, 'reader', 'read-only')).secret;
  const gitRoot = mkdtempSync(join(tmpdir(), 'distforge-git-'));
  return {
    ...server,
    maintainer,
    reader,
    gitRoot,
    async close() {
      await server.close();
      rmSync(gitRoot, { recursive: true, force: true });
    },
  };
}

/** A build node driven by the test through the scheduler (what the node API does for a real one). */
export class SimNode {
  constructor(
    readonly server: TestServer,
    readonly id: number,
  ) {}

  static async create(server: TestServer, name = 'sim', arches: string[] = ['x86_64', 'noarch']): Promise<SimNode> {
    const { node } = await createNodeToken(server.ctx, { name, arches, capabilities: ['build'], maxConcurrency: 50 } as Parameters<typeof createNodeToken>[1]);
    return new SimNode(server, node.id);
  }

  /** Leases the next task, or null; with its lease description (repositories from the builds domain). */
  async lease(): Promise<{ task: Task; leased: LeasedTask } | null> {
    const task = await leaseTask(this.server.ctx, { id: this.id, arches: ['x86_64', 'noarch'], maxConcurrency: 50 });
    if (!task) return null;
    return { task, leased: await describeLease(this.server.ctx, task, decorateLease) };
  }

  /** Leases every queued task. */
  async leaseAll(): Promise<Task[]> {
    const out: Task[] = [];
    for (let t = await this.lease(); t; t = await this.lease()) out.push(t.task);
    return out;
  }

  /** Uploads the RPM files at `paths` for `task` (kind rpm, or srpm for source packages). */
  async upload(task: Task, paths: string[]): Promise<void> {
    const { ctx } = this.server;
    for (const path of paths) {
      const data = readFileSync(path);
      const blob = await ctx.store.put(data);
      const name = path.replace(/^.*\//, '');
      const kind = name.endsWith('.src.rpm') ? 'srpm' : 'rpm';
      const rpm = rpmIndexRow({ data }, { name, kind, sha256: blob.sha256, size: blob.size }, ctx.now());
      await recordArtifact(ctx, this.id, task.id, { name, kind, sha256: blob.sha256, size: blob.size }, { rpm });
    }
  }

  /**
   * Completes `task` with `result`. An srpm task reports, as a real node's does, what its package
   * needs and provides, found out for real: the source checked out (or the uploaded SRPM read) and
   * built or queried with rpmbuild and rpmspec in the node's sandbox.
   */
  async complete(task: Task, result: Record<string, unknown> = {}): Promise<Task> {
    const full = task.kind === 'srpm' && !('packageName' in result) ? { ...(await this.srpmFacts(task)), ...result } : result;
    return completeTask(this.server.ctx, this.id, task.id, full, { onSucceeded: onTaskCompleted });
  }

  /** The facts the node's srpm stage reports for the task's source (see {@link complete}). */
  async srpmFacts(task: Task): Promise<Record<string, unknown>> {
    const { ctx } = this.server;
    const item = await ctx.db.kysely.selectFrom('build_items').selectAll().where('id', '=', task.item_id).executeTakeFirstOrThrow();
    const row = await ctx.db.kysely.selectFrom('platforms').select('definition').where('name', '=', task.platform).executeTakeFirstOrThrow();
    const platform = nodePlatform(withAbsoluteRepoUrls(JSON.parse(row.definition) as Record<string, unknown>, this.server.url), task.platform);
    const options = { platform, cache: testRootCache(), repositories: [] };
    const work = mkdtempSync(join(tmpdir(), 'distforge-simnode-'));
    try {
      if (item.srpm_sha256 !== null) {
        const f = await withLocalBlob(ctx.store, item.srpm_sha256, (path) => srpmFactsInRoot(path, join(work, 'facts'), options));
        return { packageName: f.packageName, buildRequires: f.buildRequires, provides: f.provides, specPath: f.specPath, buildroot: f.buildroot };
      }
      const checkout = await checkoutSource({ kind: 'git', gitUrl: item.git_url ?? '', gitRef: item.git_ref ?? '', gitCommit: item.git_commit ?? '' }, join(work, 'src'));
      if (checkout.kind !== 'git') throw new Error('not a git checkout');
      const built = await buildSrpmInRoot(checkout, join(work, 'srpm'), options);
      return { ...built.facts, specPath: relative(checkout.dir, checkout.specPath), nevra: built.nevra, buildroot: built.buildroot };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  fail(task: Task, reason: string): Promise<Task> {
    return failTask(this.server.ctx, this.id, task.id, reason);
  }
}

/**
 * A succeeded build of `spec` (real RPMs from rpmbuild in `workDir`, uploaded by `node` as its srpm
 * and rpm tasks' artifacts) from a git repository `repoName`, on the example platform; returns its id.
 */
export async function makeSpecBuild(server: BuildsServer, node: SimNode, input: { name: string; spec: string; repoName?: string; workDir?: string; public?: boolean }): Promise<number> {
  const repo = makeGitRepo(server.gitRoot, input.repoName ?? input.name, { [`${input.name}.spec`]: input.spec });
  const r = await api<{ id: number }>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: ['example-el9'], sources: [{ git: `${repo.url}#main` }], ...(input.public !== undefined && { public: input.public }) } });
  if (r.status !== 201) throw new Error(`submit: ${r.status} ${JSON.stringify(r.body)}`);
  await runSpecBuild(server, node, r.body.id, input);
  return r.body.id;
}

/**
 * Runs build `id` (submitted by anyone: a user, the git service) on `node` with real RPMs of
 * `spec` from rpmbuild in `workDir`: the queued srpm tasks, then the rpm tasks they fanned out to
 * (every queued task is taken: run one build at a time); throws unless the build succeeded.
 */
export async function runSpecBuild(server: BuildsServer, node: SimNode, id: number, input: { name: string; spec: string; workDir?: string }): Promise<void> {
  const files = rpmbuild(input.workDir ?? server.gitRoot, input.name, input.spec);
  for (const t of await node.leaseAll()) {
    await node.upload(t, files.filter((f) => f.endsWith('.src.rpm')));
    await node.complete(t, {});
  }
  for (const t of await node.leaseAll()) {
    await node.upload(t, files.filter((f) => !f.endsWith('.src.rpm')));
    await node.complete(t, {});
  }
  const b = await api<{ state: string; tasks: { kind: string; state: string; failureReason: string | null }[] }>(server, 'GET', `/builds/${id}`, { token: server.maintainer });
  if (b.body.state !== 'succeeded') throw new Error(`build ${id} is ${b.body.state}: ${JSON.stringify(b.body.tasks.map((t) => [t.kind, t.state, t.failureReason]))}`);
}

/**
 * A succeeded build of one noarch package `name` and its -devel (real RPMs from rpmbuild), on the
 * example platform, built by `node`; returns its id.
 */
export function makeNoarchBuild(server: BuildsServer, node: SimNode, name: string, options: { public?: boolean } = {}): Promise<number> {
  return makeSpecBuild(server, node, { name, spec: specOf(name, [], 'BuildArch: noarch'), ...options });
}

/** Builds the SRPM of `spec` (rpmbuild -bs never checks BuildRequires); returns its path. */
export function buildSrpm(dir: string, name: string, spec: string): string {
  const top = join(dir, `srpm-${name}`);
  for (const d of ['SPECS', 'SOURCES', 'SRPMS', 'tmp']) mkdirSync(join(top, d), { recursive: true });
  const specPath = join(top, 'SPECS', `${name}.spec`);
  writeFileSync(specPath, spec);
  execFileSync('rpmbuild', ['-bs', '--quiet', ...el9Defines(top), specPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  const [srpm] = readdirSync(join(top, 'SRPMS'));
  if (!srpm) throw new Error(`no SRPM for ${name}`);
  return join(top, 'SRPMS', srpm);
}
