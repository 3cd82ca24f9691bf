/**
 * Running one test task on a node with the `test` capability: the binary packages an rpm task
 * built (its artifacts, debuginfo left out) are each installed into a fresh root and checked in
 * four stages (test-stages.ts). Test scripts come from the platform's tests repository, if it has
 * one (`NAME/` for binary package NAME), else from the package source's `tests/` directory: the
 * files directly in `tests/` test the package named like the source package, the files in
 * `tests/NAME/` test binary package NAME. Every stage's log goes to the task log as it ends and
 * into one log artifact per package; the result lists each package's stages, and the task fails,
 * naming the package and stage, when any stage failed.
 */
import { existsSync, lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPackageSync } from '../rpm/index.ts';
import { sha256File } from '../util/sha256-file.ts';
import { BuildFailedError, LeaseLostError } from './errors.ts';
import { taskLogStreamer } from './log-stream.ts';
import { runLogged } from './run.ts';
import { checkoutSource } from './sources.ts';
import { installStage, integrityStage, testsStage, uninstallStage, type StageResult, type StageState } from './test-stages.ts';
import { openTaskRoot } from './buildroot/for-task.ts';
import { hostArch } from './host.ts';
import { nodePlatform } from './platform.ts';
import type { NodePlatform } from './types.ts';
import type { TaskOutcome, TaskRunnerSettings } from './task-runner.ts';
import type { LeasedTask, TaskArtifact } from './types.ts';

export interface PackageTestResult {
  package: string;
  arch: string;
  state: 'passed' | 'failed';
  stages: { name: string; state: StageState; detail: string }[];
}

const DEBUG = /-debug(info|source)-/;

/** The test scripts for binary package `name` (null: none): the tests repository's `NAME/` first. */
function testsFor(checkout: string | null, testsRepo: string | null, name: string, sourceName: string): string | null {
  if (testsRepo !== null) {
    const kept = join(testsRepo, name);
    if (existsSync(kept) && lstatSync(kept).isDirectory()) return kept;
  }
  if (checkout === null) return null;
  const own = join(checkout, 'tests', name);
  if (existsSync(own) && lstatSync(own).isDirectory()) return own;
  const top = join(checkout, 'tests');
  return name === sourceName && existsSync(top) && lstatSync(top).isDirectory() ? top : null;
}

interface TestsSettings {
  timeoutSeconds?: unknown;
  repository?: { url?: unknown; ref?: unknown };
  install?: unknown;
}

/** What a test root holds before the package under test: the platform's `tests.install`, default bash and coreutils. */
function testBase(task: LeasedTask, platform: NodePlatform): NodePlatform {
  const install = testsSettings(task).install;
  const list = Array.isArray(install) && install.length > 0 && install.every((x) => typeof x === 'string') ? (install as string[]) : ['bash', 'coreutils'];
  return { ...platform, buildroot: { install: list, releasever: platform.buildroot?.releasever ?? '9' } };
}

function testsSettings(task: LeasedTask): TestsSettings {
  return (task.platformDefinition as { tests?: TestsSettings } | null)?.tests ?? {};
}

function timeoutOf(task: LeasedTask): number {
  const n = Number(testsSettings(task).timeoutSeconds ?? 300);
  return Number.isInteger(n) && n > 0 ? n : 300;
}

/** Clones the platform's tests repository, if it has one; returns its directory. @throws BuildFailedError */
async function cloneTestsRepository(task: LeasedTask, dir: string, signal: AbortSignal): Promise<string | null> {
  const repo = testsSettings(task).repository;
  if (typeof repo?.url !== 'string') return null;
  const ref = typeof repo.ref === 'string' ? repo.ref : 'main';
  const r = await runLogged('git', ['-c', 'protocol.file.allow=always', 'clone', '-q', '--depth', '1', '--branch', ref, '--', repo.url, dir], {
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
    signal,
  });
  if (r.code !== 0) throw new BuildFailedError(`cannot clone the tests repository ${repo.url} at ${ref}: ${r.output.trim().split('\n').pop() ?? ''}`);
  return dir;
}

export async function runTestTask(task: LeasedTask, s: TaskRunnerSettings, signal: AbortSignal, onLeaseLost: (e: LeaseLostError) => void): Promise<TaskOutcome> {
  const ids = { taskId: task.id, buildId: task.buildId };
  const streamer = taskLogStreamer(s.client, task.id, onLeaseLost);
  const note = (line: string): void => streamer.write(`${line}\n`);
  const work = join(s.workRoot, `test-${task.id}-${task.attempt}`);
  mkdirSync(work, { recursive: true });
  try {
    const packages = task.dependencies.flatMap((d) => d.artifacts).filter((a) => a.kind === 'rpm' && a.name.endsWith('.rpm') && !a.name.endsWith('.src.rpm') && !DEBUG.test(a.name));
    note(`test task ${task.id} of build ${task.buildId}, attempt ${task.attempt}: ${packages.length} package(s), repositories: ${task.repositories.join(' ') || 'none'}`);
    let checkout: string | null = null;
    if (task.source.kind === 'git' && task.source.gitUrl) {
      const c = await checkoutSource({ kind: 'git', gitUrl: task.source.gitUrl, gitRef: task.source.gitRef ?? '', gitCommit: task.source.gitCommit ?? '' }, join(work, 'src'), { signal });
      if (c.kind === 'git') checkout = c.dir;
    }
    const testsRepo = await cloneTestsRepository(task, join(work, 'tests-repo'), signal);
    const platform = testBase(task, nodePlatform(task.platformDefinition, task.platform));
    const results: PackageTestResult[] = [];
    const logs: TaskArtifact[] = [];
    for (const [i, a] of packages.entries()) {
      const file = join(work, a.name);
      await s.client.download(a.url, file, a.sha256);
      const pkg = readPackageSync(file);
      const sourceName = pkg.sourcerpm?.replace(new RegExp(`-${pkg.version.replace(/[.^$*+?()[\]{}|\\]/g, '\\$&')}-[^-]+\\.src\\.rpm$`), '') ?? pkg.name;
      const arch = pkg.arch === 'noarch' ? hostArch() : pkg.arch;
      const rootDir = join(work, `root-${i}`);
      const root = await openTaskRoot({ cache: s.rootCache, platform, arch, taskRepos: task.repositories, workDir: rootDir, hostname: 'test', run: { signal, onOutput: (t) => streamer.write(t) } });
      const stages: StageResult[] = [];
      try {
        const install = await installStage(root, file);
        stages.push(install);
        if (install.state === 'passed') {
          stages.push(await integrityStage(root, pkg.name));
          stages.push(await testsStage(root, testsFor(checkout, testsRepo, pkg.name, sourceName), timeoutOf(task)));
          stages.push(await uninstallStage(root, pkg.name, file));
        }
      } finally {
        await root.dispose();
        rmSync(rootDir, { recursive: true, force: true });
      }
      const state = stages.every((st) => st.state !== 'failed') ? 'passed' : 'failed';
      results.push({ package: pkg.name, arch: pkg.arch, state, stages: stages.map((st) => ({ name: st.name, state: st.state, detail: st.detail })) });
      let text = '';
      for (const st of stages) {
        note(`${pkg.name}.${pkg.arch} ${st.name}: ${st.state} (${st.detail})`);
        text += `== ${pkg.name}.${pkg.arch} ${st.name}: ${st.state} (${st.detail})\n${st.log}${st.log.endsWith('\n') || st.log === '' ? '' : '\n'}`;
      }
      const logPath = join(work, `test-${pkg.name}.${pkg.arch}.log`);
      writeFileSync(logPath, text);
      logs.push({ name: `test-${pkg.name}.${pkg.arch}.log`, kind: 'log', path: logPath, sha256: await sha256File(logPath), size: lstatSync(logPath).size });
    }
    await streamer.close();
    for (const l of logs) await s.client.uploadArtifact(task.id, l);
    const failed = results.flatMap((r) => r.stages.filter((st) => st.state === 'failed').map((st) => `${r.package}.${r.arch} ${st.name}: ${st.detail}`));
    if (failed.length === 0) {
      await s.client.complete(task.id, { packages: results });
      s.log.info({ ...ids, packages: results.length }, 'tests passed');
      return 'succeeded';
    }
    await s.client.fail(task.id, `tests failed: ${failed[0]}${failed.length > 1 ? ` (+${failed.length - 1} more)` : ''}`, { packages: results });
    s.log.info({ ...ids, failed: failed.length }, 'tests failed');
    return 'failed';
  } catch (e) {
    await streamer.close();
    if (e instanceof LeaseLostError || signal.aborted) return e instanceof LeaseLostError || signal.reason instanceof LeaseLostError ? 'lease-lost' : 'stopped';
    const reason = e instanceof BuildFailedError ? e.message : `test node error: ${(e as Error).message}`;
    try {
      await s.client.fail(task.id, reason);
    } catch (err) {
      if (err instanceof LeaseLostError) return 'lease-lost';
      throw err;
    }
    return 'failed';
  } finally {
    if (!s.keepWork) rmSync(work, { recursive: true, force: true });
  }
}
