/**
 * Running one leased task from start to end: refuse it when this node cannot build its arch;
 * otherwise fetch what it needs (the git tree and the source files it names by hash, from the
 * node's source cache or the lookasides: lookaside.ts; or the SRPM and the packages of the build,
 * checked against their sha256), build it in the sandbox while streaming the log, upload the artifacts
 * (SRPM or RPMs, the log, the build environment record) with their sha256, and report success
 * with its result or failure with its reason.
 *
 * A lost lease (the signal aborts with a LeaseLostError) stops everything: nothing more is sent
 * for the task.
 */
import { appendFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { srpmArchInfo, targetArches } from '../platforms/arches.ts';
import { buildRpmsInRoot, buildSrpmInRoot, srpmFactsInRoot, type RootBuildOutcome, type RootBuilderOptions } from './builders/rpmbuild-root.ts';
import { writeBuildEnvironment } from './buildenv.ts';
import type { NodeClient } from './client.ts';
import { ArchNotBuildableError, BuildFailedError, LeaseLostError } from './errors.ts';
import { LogStreamer } from './log-stream.ts';
import { nodePlatform } from './platform.ts';
import { fetchSources, ownLookasideTemplate, sourceCacheFor } from './lookaside.ts';
import { checkoutSource } from './sources.ts';
import { hostArch } from './host.ts';
import type { ArtifactKind, LeasedTask, NodePlatform, TaskArtifact } from './types.ts';
import { nevra, readPackageSync } from '../rpm/index.ts';
import { sha256File } from '../util/sha256-file.ts';
import type { RootCache } from './buildroot/root-cache.ts';

/** The part of a logger the node uses (pino's Logger fits). */
export interface NodeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface TaskRunnerSettings {
  client: NodeClient;
  /** Directory holding one work dir per task. */
  workRoot: string;
  /** Arches this node serves (all buildable here). */
  arches: readonly string[];
  /** The node's build roots (base sets cached per key) and dnf package caches. */
  rootCache: RootCache;
  buildHost?: string;
  /** Keep work dirs after the task (for debugging). */
  keepWork?: boolean;
  log: NodeLogger;
}

/** How a task ended, as far as the node is concerned. */
export type TaskOutcome = 'succeeded' | 'failed' | 'refused' | 'lease-lost' | 'stopped';


async function artifact(path: string, kind: ArtifactKind, name = basename(path)): Promise<TaskArtifact> {
  return { name, kind, path, sha256: await sha256File(path), size: statSync(path).size };
}

/** Whether the node serves the task's arch (`src` tasks: any node). */
function serves(arches: readonly string[], arch: string): boolean {
  return arch === 'src' || arches.includes(arch);
}

/** `$basearch` in repository URLs, as dnf substitutes it. */
function repositoriesFor(task: LeasedTask): string[] {
  const basearch = task.arch === 'noarch' || task.arch === 'src' ? hostArch() : task.arch;
  return task.repositories.map((u) => u.replace(/\$basearch/g, basearch));
}

interface Built {
  artifacts: TaskArtifact[];
  result: Record<string, unknown>;
}

/** The sha256 in a master artifact URL (`…/api/v1/artifacts/<sha256>/<name>`), or null. */
function sha256FromUrl(url: string): string | null {
  return /\/artifacts\/([0-9a-f]{64})\//.exec(url)?.[1] ?? null;
}

class TaskRun {
  readonly workDir: string;
  readonly streamer: LogStreamer;
  /** Everything streamed for the task (notes and build output): uploaded as `build.log`. */
  readonly logPath: string;

  constructor(
    readonly task: LeasedTask,
    readonly s: TaskRunnerSettings,
    readonly signal: AbortSignal,
    onLeaseLost: (e: LeaseLostError) => void,
  ) {
    this.workDir = join(s.workRoot, `task-${task.id}-${task.attempt}`);
    rmSync(this.workDir, { recursive: true, force: true });
    mkdirSync(this.workDir, { recursive: true });
    this.logPath = join(this.workDir, 'task.log');
    writeFileSync(this.logPath, '');
    this.streamer = new LogStreamer(
      (seq, text) => s.client.appendLog(task.id, seq, text),
      (e) => {
        if (e instanceof LeaseLostError) onLeaseLost(e);
        else s.log.warn({ taskId: task.id, err: (e as Error).message }, 'log chunk not sent');
      },
    );
  }

  /** Output of the task: into its log file and to the master. */
  out(text: string): void {
    appendFileSync(this.logPath, text);
    this.streamer.write(text);
  }

  note(text: string): void {
    this.out(`distforge: ${text}\n`);
  }

  builderOptions(platform: NodePlatform, repositories: readonly string[] = []): RootBuilderOptions {
    return {
      platform,
      cache: this.s.rootCache,
      repositories,
      ...(this.s.buildHost ? { buildHost: this.s.buildHost } : {}),
      ...(this.task.buildrootLock ? { lock: this.task.buildrootLock } : {}),
      onOutput: (t) => this.out(t),
      signal: this.signal,
    };
  }

  async logArtifact(): Promise<TaskArtifact> {
    return artifact(this.logPath, 'log', 'build.log');
  }

  async outcomeArtifacts(o: RootBuildOutcome): Promise<TaskArtifact[]> {
    return [await this.logArtifact(), await artifact(o.buildenvPath, 'buildenv', 'buildenv.json')];
  }

  async srpmTask(platform: NodePlatform): Promise<Built> {
    const src = this.task.source;
    if (src.kind === 'srpm') {
      if (!src.srpmUrl) throw new BuildFailedError('an SRPM source without srpmUrl');
      const path = join(this.workDir, decodeURIComponent(basename(new URL(src.srpmUrl).pathname)) || 'source.src.rpm');
      await this.s.client.download(src.srpmUrl, path, sha256FromUrl(src.srpmUrl));
      await checkoutSource({ kind: 'srpm', srpmPath: path }, this.workDir);
      const pkg = readPackageSync(path);
      const arches = targetArches(srpmArchInfo(path), platform.arches);
      this.note(`the source is an uploaded SRPM, ${basename(path)}: nothing to build; it builds for ${arches.join(', ') || 'no arch of this platform'}`);
      const facts = await srpmFactsInRoot(path, join(this.workDir, 'srpm'), this.builderOptions(platform));
      return {
        artifacts: [await artifact(path, 'srpm'), ...(await this.outcomeArtifacts(facts))],
        result: { packageName: facts.packageName, buildRequires: facts.buildRequires, provides: facts.provides, specPath: facts.specPath, nevra: nevra(pkg), arches, buildroot: facts.buildroot },
      };
    }
    if (!src.gitUrl) throw new BuildFailedError('a git source without gitUrl');
    this.note(`checking out ${src.gitUrl} at ${src.gitCommit ?? src.gitRef ?? '?'}`);
    const checkout = await checkoutSource(
      { kind: 'git', gitUrl: src.gitUrl, gitRef: src.gitRef ?? '', gitCommit: src.gitCommit ?? '' },
      join(this.workDir, 'src'),
      { onOutput: (t) => this.out(t), signal: this.signal },
    );
    if (checkout.kind !== 'git') throw new BuildFailedError('not a git checkout');
    const sources = await fetchSources(checkout, {
      lookaside: [{ url: ownLookasideTemplate(this.s.client.server) }, ...(platform.lookaside ?? [])],
      cache: sourceCacheFor(this.s.workRoot),
      note: (t) => this.note(t),
      signal: this.signal,
    });
    const b = await buildSrpmInRoot(sources.checkout, join(this.workDir, 'srpm'), this.builderOptions(platform));
    b.buildenv.source = { gitUrl: src.gitUrl, commit: checkout.commit };
    writeBuildEnvironment(b.buildenvPath, b.buildenv);
    return {
      artifacts: [await artifact(b.srpmPath, 'srpm'), ...(await this.outcomeArtifacts(b))],
      result: {
        ...b.facts,
        specPath: relative(checkout.dir, checkout.specPath),
        nevra: b.nevra,
        arches: b.arches,
        commit: checkout.commit,
        layout: sources.layout,
        sources: sources.fetched,
        buildroot: b.buildroot,
      },
    };
  }

  async rpmTask(platform: NodePlatform): Promise<Built> {
    const dl = join(this.workDir, 'downloads');
    mkdirSync(dl, { recursive: true });
    const all = this.task.dependencies.flatMap((d) => d.artifacts.map((a) => ({ ...a, taskId: d.taskId })));
    const srpm = all.find((a) => a.kind === 'srpm');
    let srpmPath: string;
    if (srpm) {
      srpmPath = join(dl, basename(srpm.name));
      await this.s.client.download(srpm.url, srpmPath, srpm.sha256);
    } else if (this.task.source.srpmUrl) {
      srpmPath = join(dl, 'source.src.rpm');
      await this.s.client.download(this.task.source.srpmUrl, srpmPath, sha256FromUrl(this.task.source.srpmUrl));
    } else {
      throw new BuildFailedError('no SRPM to build: the lease names neither an srpm artifact nor an srpmUrl');
    }
    const repositories = repositoriesFor(this.task);
    this.note(`building ${basename(srpmPath)} for ${this.task.arch} in a root from ${repositories.length} repository(ies): ${repositories.join(' ')}`);
    const b = await buildRpmsInRoot(srpmPath, this.task.arch, join(this.workDir, 'build'), this.builderOptions(platform, repositories));
    const rpms = await Promise.all(b.rpms.map((p) => artifact(p, 'rpm')));
    return {
      artifacts: [...rpms, ...(await this.outcomeArtifacts(b))],
      result: { packageName: b.packageName, arch: this.task.arch, rpms: rpms.map((r) => r.name), buildroot: b.buildroot },
    };
  }

  /** Uploads what a failed build left (its log, its build environment record). */
  async failureArtifacts(): Promise<void> {
    await this.s.client.uploadArtifact(this.task.id, await this.logArtifact());
    const env = [join(this.workDir, 'build', 'buildenv.json'), join(this.workDir, 'srpm', 'buildenv.json'), join(this.workDir, 'srpm', 'root', 'buildenv.json')].find((p) => existsSync(p));
    if (env) await this.s.client.uploadArtifact(this.task.id, await artifact(env, 'buildenv', 'buildenv.json'));
  }
}

/** Runs `task` to its end; `signal` aborts it (with a LeaseLostError when the lease is lost). */
export async function runTask(task: LeasedTask, s: TaskRunnerSettings, signal: AbortSignal, onLeaseLost: (e: LeaseLostError) => void): Promise<TaskOutcome> {
  const ids = { taskId: task.id, buildId: task.buildId };
  const { client, log } = s;
  if (task.kind !== 'srpm' && task.kind !== 'rpm') {
    // The master leases by capability; a task of another kind here is refused, not misrun.
    await client.refuse(task.id, `a build runner runs srpm and rpm tasks, not ${task.kind} tasks`);
    log.warn({ ...ids, kind: task.kind }, 'task refused');
    return 'refused';
  }
  if (task.kind === 'rpm' && !serves(s.arches, task.arch)) {
    const reason = new ArchNotBuildableError(task.arch, s.arches).message;
    await client.refuse(task.id, reason);
    log.info({ ...ids, arch: task.arch }, 'task refused');
    return 'refused';
  }
  const run = new TaskRun(task, s, signal, onLeaseLost);
  try {
    const platform = nodePlatform(task.platformDefinition, task.platform);
    run.note(`task ${task.id} (${task.kind}, ${task.arch}) of build ${task.buildId}, attempt ${task.attempt}, platform ${platform.name}`);
    const built = task.kind === 'srpm' ? await run.srpmTask(platform) : await run.rpmTask(platform);
    await run.streamer.close();
    for (const a of built.artifacts) await client.uploadArtifact(task.id, a);
    await client.complete(task.id, built.result);
    log.info({ ...ids, artifacts: built.artifacts.length }, 'task succeeded');
    return 'succeeded';
  } catch (e) {
    if (e instanceof LeaseLostError || signal.aborted) {
      await run.streamer.close();
      const lost = e instanceof LeaseLostError || signal.reason instanceof LeaseLostError;
      log.warn({ ...ids }, lost ? 'lease lost: task abandoned' : 'node stopping: task abandoned');
      return lost ? 'lease-lost' : 'stopped';
    }
    if (e instanceof ArchNotBuildableError) {
      await run.streamer.close();
      await client.refuse(task.id, e.message);
      return 'refused';
    }
    const reason = e instanceof BuildFailedError ? e.message : `node error: ${(e as Error).message}`;
    run.note(`build failed: ${reason}`);
    await run.streamer.close();
    try {
      await run.failureArtifacts();
    } catch (err) {
      if (err instanceof LeaseLostError) return 'lease-lost';
      log.warn({ ...ids, err: (err as Error).message }, 'failure artifacts not uploaded');
    }
    const buildroot = e instanceof BuildFailedError ? e.buildroot : null;
    await client.fail(task.id, reason, buildroot ? { buildroot } : undefined);
    log.info({ ...ids, reason }, 'task failed');
    return 'failed';
  } finally {
    if (!s.keepWork) rmSync(run.workDir, { recursive: true, force: true });
  }
}
