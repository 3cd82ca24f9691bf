/**
 * `distforge build …`: submit builds, follow them, read their logs, cancel, retry and rebuild
 * them, test and sign them, over the server's API. `submit --wait` exits 0 when the build
 * succeeded and 1 otherwise; `test --wait` and `sign --wait` say what they wait for on stderr.
 * On a terminal (and without --json) the waiting commands also draw live progress on stderr
 * (progress.ts, task-progress.ts): tasks done of all, those running, failures as they happen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import type { BuildPage, BuildView, LogPage, TaskView } from '../builds/index.ts';
import { UsageError } from '../errors.ts';
import type { TestRequestResult } from '../testing/index.ts';
import { clientFrom, printJson, printTable, withClientOptions, type ApiClient, type ClientFlags } from './client.ts';
import { ExitCode } from './errors.ts';
import { Progress } from './progress.ts';
import { TaskBoard } from './task-progress.ts';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const POLL_MS = 1000;

interface SubmitFlags extends ClientFlags {
  platform: string[];
  git: string[];
  srpm: string[];
  arch: string[];
  explicitOrder?: boolean;
  public?: boolean;
  priority?: string;
  wait?: boolean;
  json?: boolean;
}

interface ListFlags extends ClientFlags {
  state?: string; owner?: string; platform?: string; arch?: string; package?: string; nevra?: string; ref?: string;
  signed?: boolean; unsigned?: boolean; released?: boolean; unreleased?: boolean; search?: string; before?: string; limit: string; json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function buildId(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`"${value}" is not a build id (a positive number)`);
  return Number(value);
}

/** A local repository path becomes absolute: the server resolves it, from another directory. */
function gitSource(text: string): string {
  const at = text.lastIndexOf('#');
  const url = at < 0 ? text : text.slice(0, at);
  if (!url.includes('://') && !/^[^/]+:/.test(url) && existsSync(url)) return `${resolve(url)}${at < 0 ? '' : text.slice(at)}`;
  return text;
}

/** The tasks that make a build (srpm and rpm: not the tests and signing that come after). */
const BUILDING = new Set(['srpm', 'rpm']);

/** Polls the build until it ends, showing its tasks on the board; returns it. */
async function waitForEnd(client: ApiClient, id: number, progress: Progress): Promise<BuildView> {
  const board = new TaskBoard(progress, client, { title: `build ${id}`, notePrefix: `build ${id}: ` });
  for (;;) {
    const b = await client.get<BuildView>(`/builds/${id}`);
    if (FINAL.has(b.state)) return b;
    await board.update(b.tasks.filter((t) => BUILDING.has(t.kind)), b.state);
    await sleep(POLL_MS);
  }
}

function printBuild(b: BuildView): void {
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`build ${b.id}: ${b.state}${b.failureReason ? ` (${b.failureReason})` : ''}`);
  out(`owner ${b.owner}, platforms ${b.platforms.join(', ')}${b.public ? ', public' : ''}${b.rebuildOf ? `, rebuild of ${b.rebuildOf}` : ''}`);
  for (const i of b.items) {
    const source = i.git ? `${i.git.url}#${i.git.ref} (${(i.git.commit ?? '').slice(0, 12)})` : `SRPM ${i.srpmSha256 ?? ''}`;
    const deps = i.dependsOn.map((d) => b.items.find((x) => x.id === d)?.package ?? `#${d}`);
    out(`  ${i.package ?? '?'}: ${source}${deps.length ? `, builds against ${deps.join(', ')}` : ''}`);
  }
  printTable(
    ['TASK', 'PACKAGE', 'PLATFORM', 'ARCH', 'STATE', 'TRY', 'DETAILS'],
    b.tasks.map((t) => [String(t.id), t.package ?? '?', t.platform, t.arch, t.state, String(t.attempt), t.failureReason ?? t.artifacts.map((a) => a.name).join(' ')]),
  );
  const tests = b.tasks.filter((t) => t.kind === 'rpm').flatMap((t) => (t.tests ?? []).map((x) => ({ ...x, platform: t.platform })));
  if (tests.length === 0) return;
  out('tests (the newest of each package):');
  printTable(
    ['PACKAGE', 'ARCH', 'PLATFORM', 'RESULT', 'TEST TASK', 'STAGES'],
    tests.map((x) => [x.package, x.arch, x.platform, x.state, String(x.taskId), x.stages.map((st) => `${st.name}:${st.state}`).join(' ')]),
  );
}

/** "test task 14 (greeter x86_64)". */
function testLabel(t: TaskView): string {
  return `test task ${t.id} (${t.package ?? '?'} ${t.arch})`;
}

/** How a test task ended: "succeeded", "failed: REASON" (the package, arch and stage), "cancelled". */
function testOutcome(t: TaskView): string {
  return `${t.state}${t.failureReason && t.state !== 'succeeded' ? `: ${t.failureReason}` : ''}`;
}

/**
 * Reports on stderr what a waiting command waits for: the test tasks `waited` picks from the
 * build, once when the wait starts and one line as each ends (through `progress`, above its
 * status lines on a terminal).
 */
class TestWatch {
  private readonly reported = new Set<number>();
  private announced = false;

  constructor(
    private readonly buildId: number,
    private readonly waited: (b: BuildView) => TaskView[],
    private readonly progress: Progress,
  ) {}

  /** Reports what changed in `b`; returns whether tests are still to run. */
  update(b: BuildView, before: string): boolean {
    const tests = this.waited(b);
    const running = tests.filter((t) => !FINAL.has(t.state));
    if (!this.announced && running.length > 0) {
      this.progress.print(`build ${this.buildId}: waiting for its tests ${before}: ${running.map((t) => `${testLabel(t)} ${t.state}`).join(', ')}`);
      this.announced = true;
    }
    for (const t of tests.filter((x) => FINAL.has(x.state) && !this.reported.has(x.id))) {
      this.reported.add(t.id);
      if (this.announced) this.progress.print(`build ${this.buildId}: ${testLabel(t)} ${testOutcome(t)}`);
    }
    return running.length > 0;
  }
}

function submitCommand(): Command {
  return withClientOptions(new Command('submit'))
    .description('submit a build; prints its id')
    .option('--platform <name>', 'platform to build for (repeat for several)', collect, [])
    .option('--git <url#ref>', 'git source: URL#BRANCH, URL#TAG or URL#COMMIT (repeat for several)', collect, [])
    .option('--srpm <file>', 'a source RPM to upload and build (repeat for several)', collect, [])
    .option('--arch <arch>', 'build only for this arch (repeat for several; default every arch of the platforms; noarch packages are built anyway)', collect, [])
    .option('--explicit-order', 'build the sources one after another in the order given')
    .option('--public', 'anyone may read the build')
    .option('--priority <n>', 'higher is built first (-1000 to 1000)')
    .option('--wait', 'return when the build ends: exit 0 if it succeeded, 1 if not')
    .option('--json', 'print the build as `build show --json` does')
    .action(async (flags: SubmitFlags) => {
      if (flags.platform.length === 0) throw new UsageError('give at least one --platform');
      if (flags.git.length + flags.srpm.length === 0) throw new UsageError('give at least one --git URL#REF (or --srpm FILE)');
      if (flags.priority !== undefined && !/^-?\d+$/.test(flags.priority)) throw new UsageError(`--priority must be a whole number, not "${flags.priority}"`);
      const client = clientFrom(flags, { needsToken: true });
      const srpms = flags.srpm.map((f) => {
        try {
          return { file: f, data: readFileSync(f) };
        } catch (e) {
          throw new UsageError(`${f}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      });
      const sources: ({ git: string } | { srpmSha256: string })[] = flags.git.map((g) => ({ git: gitSource(g) }));
      for (const s of srpms) {
        const res = await client.fetch('POST', '/srpms', { body: s.data, headers: { 'content-type': 'application/octet-stream' } });
        sources.push({ srpmSha256: ((await res.json()) as { sha256: string }).sha256 });
      }
      const body = {
        platforms: flags.platform,
        sources,
        ...(flags.priority !== undefined && { priority: Number(flags.priority) }),
        ...(flags.arch.length > 0 && { arches: flags.arch }),
        ...(flags.explicitOrder && { explicitOrder: true }),
        ...(flags.public && { public: true }),
      };
      let build = await client.post<BuildView>('/builds', body);
      if (!flags.json) process.stdout.write(`${build.id}\n`);
      if (flags.wait) {
        const progress = new Progress({ json: flags.json === true });
        try {
          build = await waitForEnd(client, build.id, progress);
        } finally {
          progress.end();
        }
      }
      if (flags.json) printJson(build);
      else if (flags.wait) process.stderr.write(`build ${build.id} ${build.state}${build.failureReason ? `: ${build.failureReason}` : ''}\n`);
      if (flags.wait && build.state !== 'succeeded') throw new ExitCode(1);
    });
}

function showCommand(): Command {
  return withClientOptions(new Command('show'))
    .description('show a build: its sources, tasks and artifacts')
    .argument('<id>')
    .option('--json', 'print JSON {id, state, tasks: [{id, package, arch, state, artifacts: [{name, sha256, url}]}], …}')
    .action(async (id: string, flags: ClientFlags & { json?: boolean }) => {
      const b = await clientFrom(flags).get<BuildView>(`/builds/${buildId(id)}`);
      if (flags.json) printJson(b);
      else printBuild(b);
    });
}

function listCommand(): Command {
  return withClientOptions(new Command('list'))
    .description('list builds, newest first (filters combine; the search takes a build id or the start of a NEVRA)')
    .option('--state <state>', 'only builds in this state (pending, running, succeeded, failed, cancelled)')
    .option('--owner <user>', 'only builds of this user')
    .option('--platform <name>', 'only builds for this platform')
    .option('--arch <arch>', 'only builds with a task for this arch (src, noarch, x86_64, …)')
    .option('--package <name>', 'only builds with a source or a package of this name')
    .option('--nevra <nevra>', 'only builds that made this package (name-[epoch:]version-release.arch)')
    .option('--ref <ref>', 'only builds with a git source at this ref, as given at submit')
    .option('--signed', 'only builds whose packages are all signed')
    .option('--unsigned', 'only builds with a package not signed')
    .option('--released', 'only builds in a released release')
    .option('--unreleased', 'only builds in no released release')
    .option('--search <text>', 'a build id, or the start of a NEVRA or file name of a package it made')
    .option('--before <id>', 'only builds older than this id (the next page: the last id printed)')
    .option('--limit <n>', 'how many (1 to 500)', '50')
    .option('--json', 'print JSON')
    .action(async (flags: ListFlags) => {
      if (flags.signed && flags.unsigned) throw new UsageError('give --signed or --unsigned, not both');
      if (flags.released && flags.unreleased) throw new UsageError('give --released or --unreleased, not both');
      const yesNo = (yes?: boolean, no?: boolean): string | undefined => (yes ? 'true' : no ? 'false' : undefined);
      const page = await clientFrom(flags).get<BuildPage>('/builds', {
        limit: flags.limit, state: flags.state, owner: flags.owner, platform: flags.platform, arch: flags.arch, package: flags.package,
        nevra: flags.nevra, ref: flags.ref, signed: yesNo(flags.signed, flags.unsigned), released: yesNo(flags.released, flags.unreleased),
        q: flags.search, before: flags.before,
      });
      if (flags.json) return printJson(page);
      printTable(['ID', 'STATE', 'OWNER', 'PLATFORMS', 'CREATED'], page.builds.map((b) => [String(b.id), b.state, b.owner, b.platforms.join(','), new Date(b.createdAt).toISOString()]));
      if (page.nextBefore !== null) process.stderr.write(`older builds: add --before ${page.nextBefore}\n`);
    });
}

function logsCommand(): Command {
  return withClientOptions(new Command('logs'))
    .description('print the logs of a build (or one task); --follow keeps printing until it ends')
    .argument('<id>')
    .option('--task <task>', 'only this task')
    .option('--follow', 'keep printing new output until the build (or task) ends')
    .action(async (id: string, flags: ClientFlags & { task?: string; follow?: boolean }) => {
      const client = clientFrom(flags);
      const build = buildId(id);
      if (flags.task !== undefined && !/^\d+$/.test(flags.task)) throw new UsageError(`--task must be a task id, not "${flags.task}"`);
      let cursor = '';
      let current: number | null = null;
      for (;;) {
        const page = await client.get<LogPage>(`/builds/${build}/logs`, { task: flags.task, after: cursor || undefined });
        for (const c of page.chunks) {
          if (flags.task === undefined && c.taskId !== current) {
            const t = page.tasks.find((x) => x.id === c.taskId);
            process.stdout.write(`==> task ${c.taskId} ${t?.package ?? '?'} ${t?.platform ?? ''} ${t?.arch ?? ''} (${t?.kind ?? ''}) <==\n`);
            current = c.taskId;
          }
          process.stdout.write(c.text);
        }
        cursor = page.cursor;
        if (page.more) continue;
        const over = flags.task === undefined ? FINAL.has(page.buildState) : page.tasks.every((t) => FINAL.has(t.state));
        if (!flags.follow || over) return;
        await sleep(POLL_MS);
      }
    });
}

function actionCommand(name: 'cancel' | 'retry' | 'rebuild', description: string): Command {
  const command = withClientOptions(new Command(name))
    .description(description)
    .argument('<id>')
    .option('--json', 'print the build as `build show --json` does');
  if (name === 'rebuild') command.option('--same-buildroot', 'install in each task the exact packages its counterpart\'s root held');
  return command
    .action(async (id: string, flags: ClientFlags & { json?: boolean; sameBuildroot?: boolean }) => {
      const body = flags.sameBuildroot ? { sameBuildroot: true } : undefined;
      const b = await clientFrom(flags, { needsToken: true }).post<BuildView>(`/builds/${buildId(id)}/${name}`, body);
      if (flags.json) return printJson(b);
      if (name === 'rebuild') process.stdout.write(`${b.id}\n`);
      else process.stdout.write(`build ${b.id}: ${b.state}\n`);
    });
}

/** The test tasks the build's sign tasks wait for (or waited for). */
function testsBeforeSigning(b: BuildView): TaskView[] {
  const awaited = new Set(b.tasks.filter((t) => t.kind === 'sign').flatMap((t) => t.dependsOn));
  return b.tasks.filter((t) => t.kind === 'test' && awaited.has(t.id));
}

/** The tasks a sign request made (`signTasks`) and the tests they wait for. */
function signingTasks(b: BuildView, signTasks: ReadonlySet<number>): TaskView[] {
  const made = b.tasks.filter((t) => signTasks.has(t.id));
  const awaited = new Set(made.flatMap((t) => t.dependsOn));
  return b.tasks.filter((t) => signTasks.has(t.id) || (t.kind === 'test' && awaited.has(t.id)));
}

/**
 * Polls until every sign task of the build has ended, saying which tests it waits for first;
 * returns the build. The board shows the tasks of this request (`signTasks`) and their tests.
 */
async function waitForSigning(client: ApiClient, id: number, signTasks: ReadonlySet<number>, progress: Progress): Promise<BuildView> {
  const watch = new TestWatch(id, testsBeforeSigning, progress);
  // Failed tests have their line from the TestWatch; the board adds failed signing.
  const board = new TaskBoard(progress, client, { title: `build ${id}`, notePrefix: `build ${id}: `, noteFailuresOf: ['sign', 'sign-repo'] });
  let testing = false;
  for (;;) {
    const b = await client.get<BuildView>(`/builds/${id}`);
    const stillTesting = watch.update(b, 'before signing');
    if (testing && !stillTesting && testsBeforeSigning(b).every((t) => t.state === 'succeeded')) progress.print(`build ${id}: its tests passed; signing`);
    testing = stillTesting;
    if (b.tasks.every((t) => (t.kind !== 'sign' && t.kind !== 'sign-repo') || FINAL.has(t.state))) return b;
    await board.update(signingTasks(b, signTasks), stillTesting ? 'testing, then signing' : 'signing');
    await sleep(POLL_MS);
  }
}

/** Why a platform's sign-repo task did not sign (its failure), or ''. */
function failedRepoSigning(b: BuildView, platform: string): string {
  const t = b.tasks.filter((x) => x.kind === 'sign-repo' && x.platform === platform).at(-1);
  return t && t.state !== 'succeeded' ? ` (sign-repo task ${t.id} ${t.state}${t.failureReason ? `: ${t.failureReason}` : ''})` : '';
}

function signCommand(): Command {
  return withClientOptions(new Command('sign'))
    .description("sign a succeeded build's packages (a key the platform allows; default its first)")
    .argument('<id>')
    .option('--key <keyid>', 'the key to sign with (distforge key list)')
    .option('--wait', 'wait for the build\'s tests still running, then for signing: exit 0 if every package is signed, 1 if not (a test failed)')
    .option('--json', 'with --wait, print the build as `build show --json` does')
    .action(async (id: string, flags: ClientFlags & { key?: string; wait?: boolean; json?: boolean }) => {
      const client = clientFrom(flags, { needsToken: true });
      const build = buildId(id);
      // With --wait the server queues the signing behind the tests still running (waitForTests).
      const body = { ...(flags.key !== undefined && { key: flags.key }), ...(flags.wait && { waitForTests: true }) };
      const r = await client.post<{ taskIds: number[]; keys: Record<string, string> }>(`/builds/${build}/sign`, body);
      const keys = Object.entries(r.keys).map(([p, k]) => `${p}: ${k}`).join(', ');
      if (!flags.wait) {
        process.stdout.write(`build ${build}: ${r.taskIds.length} signing task(s) queued, packages and repository metadata (${keys})\n`);
        return;
      }
      const progress = new Progress({ json: flags.json === true });
      let b: BuildView;
      try {
        b = await waitForSigning(client, build, new Set(r.taskIds), progress);
      } finally {
        progress.end();
      }
      if (flags.json) printJson(b);
      else process.stdout.write(`build ${build}: ${b.signed ? 'signed' : 'not signed'} (${keys})\n`);
      if (!b.signed) {
        // A failed test first: it is why the sign tasks waiting for it were cancelled.
        for (const t of testsBeforeSigning(b).filter((x) => x.state === 'failed' || x.state === 'cancelled')) process.stderr.write(`${testLabel(t)} ${testOutcome(t)}\n`);
        for (const t of b.tasks.filter((x) => x.kind === 'sign' && x.state !== 'succeeded')) process.stderr.write(`sign task ${t.id} (${t.package ?? '?'}) ${t.state}${t.failureReason ? `: ${t.failureReason}` : ''}\n`);
        throw new ExitCode(1);
      }
      // The packages are signed; repository metadata that is not is said, not fatal.
      for (const r of b.repositories.filter((x) => x.metadataSignature === null)) process.stderr.write(`warning: the ${r.platform}/${r.arch} repository's metadata is not signed${failedRepoSigning(b, r.platform)}\n`);
    });
}

/** Polls until the test tasks `ids` of the build have ended, saying so as each ends; returns the build. */
async function waitForTests(client: ApiClient, id: number, ids: ReadonlySet<number>, progress: Progress): Promise<BuildView> {
  const tests = (b: BuildView): TaskView[] => b.tasks.filter((t) => ids.has(t.id));
  const watch = new TestWatch(id, tests, progress);
  // The TestWatch says how each test ended (failures included): the board only counts and lists.
  const board = new TaskBoard(progress, client, { title: `build ${id}`, noteFailuresOf: [] });
  for (;;) {
    const b = await client.get<BuildView>(`/builds/${id}`);
    if (!watch.update(b, 'to end')) return b;
    await board.update(tests(b), 'testing');
    await sleep(POLL_MS);
  }
}

function testCommand(): Command {
  return withClientOptions(new Command('test'))
    .description("test a succeeded build's packages never tested, and again those whose newest test failed or was cancelled")
    .argument('<id>')
    .option('--platform <name>', 'only this platform of the build (default: each that tests)')
    .option('--wait', 'return when its tests end: exit 0 if every newest test passed, 1 if not')
    .option('--json', 'print the answer {buildId, made, kept}; with --wait, the build as `build show --json` does')
    .action(async (id: string, flags: ClientFlags & { platform?: string; wait?: boolean; json?: boolean }) => {
      const client = clientFrom(flags, { needsToken: true });
      const build = buildId(id);
      const r = await client.post<TestRequestResult>(`/builds/${build}/test`, flags.platform === undefined ? {} : { platform: flags.platform });
      if (flags.json && !flags.wait) return printJson(r);
      if (!flags.json) {
        for (const m of r.made) process.stdout.write(`test task ${m.taskId}: ${m.package ?? '?'} ${m.arch} (${m.platform})${m.again ? `, again after test task ${m.again}` : ''}\n`);
        for (const k of r.kept) process.stdout.write(`${k.package ?? '?'} ${k.arch} (${k.platform}): test task ${k.taskId} ${k.state}, kept\n`);
        process.stdout.write(`build ${build}: ${r.made.length} test task(s) made\n`);
      }
      if (!flags.wait) return;
      const ids = new Set([...r.made, ...r.kept].map((x) => x.taskId));
      const progress = new Progress({ json: flags.json === true });
      let b: BuildView;
      try {
        b = await waitForTests(client, build, ids, progress);
      } finally {
        progress.end();
      }
      const ended = b.tasks.filter((t) => ids.has(t.id));
      if (flags.json) printJson(b);
      else process.stdout.write(`build ${build}: ${ended.every((t) => t.state === 'succeeded') ? 'every test passed' : 'some tests did not pass'}\n`);
      const failed = ended.filter((t) => t.state !== 'succeeded');
      for (const t of failed) process.stderr.write(`${testLabel(t)} ${testOutcome(t)}\n`);
      if (failed.length > 0) throw new ExitCode(1);
    });
}

export function buildCommand(): Command {
  return new Command('build')
    .addCommand(submitCommand())
    .addCommand(showCommand())
    .addCommand(listCommand())
    .addCommand(logsCommand())
    .addCommand(actionCommand('cancel', 'cancel every unfinished task of a build'))
    .addCommand(actionCommand('retry', 'run the failed and cancelled tasks of a build again'))
    .addCommand(actionCommand('rebuild', 'submit a new build of the same sources at the same commits; prints its id'))
    .addCommand(testCommand())
    .addCommand(signCommand());
}
