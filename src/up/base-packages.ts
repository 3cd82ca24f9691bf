/**
 * What `distforge up` does so that the example platform can test packages: on first start it
 * builds the base packages (src/testsystem/base-packages.ts: filesystem, the host's libc, a
 * /bin/sh) from examples/packages with its own node, has its signer sign them, records the build
 * in DATA/base-packages.json, and on every start points the example platform at that build's
 * repository and turns its tests on (the platform file, loaded first, does not list either).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRepoUrl, submitBuild } from '../builds/index.ts';
import { buildsDb } from '../builds/schema.ts';
import type { Context } from '../context.ts';
import { DistforgeError } from '../errors.ts';
import { buildArches, findPlatform, savePlatform } from '../platforms/index.ts';
import { isBuildSigned, requestSigning, signingUnderWay } from '../signing/index.ts';
import { BASE_PACKAGE_DIRS } from '../testsystem/base-packages.ts';

const RECORD = 'base-packages.json';

/** examples/packages in the checkout (this module runs from src/ or from the bundle in .build/). */
function examplesDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const d = join(dir, 'examples', 'packages');
    if (existsSync(join(d, BASE_PACKAGE_DIRS[0]))) return d;
    dir = dirname(dir);
  }
  return null;
}

/** WORK/NAME: the example copied into a git repository (the build takes its commit from it). */
function gitCopy(work: string, examples: string, name: string): string {
  const dir = join(work, name);
  {
    cpSync(join(examples, name), dir, { recursive: true });
    const git = (...args: string[]): void => {
      execFileSync('git', ['-c', 'user.email=up@distforge.localhost', '-c', 'user.name=distforge up', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, stdio: 'ignore' });
    };
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', `import ${name} from examples/packages`);
  }
  return `file://${dir}#main`;
}

async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new DistforgeError('up_base_packages', `timed out waiting for ${what}`, { status: 500 });
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface BasePackages {
  buildId: number;
  /** True when this start built (and signed) them. */
  built: boolean;
  /** The repository URL the platform now lists ($basearch in it). */
  url: string;
}

/** Builds and signs the base packages when needed, then points `platformName` at them with tests on. */
export async function ensureBasePackages(ctx: Context, platformName: string, ownerId: number): Promise<BasePackages | null> {
  const examples = examplesDir();
  if (examples === null) return null;
  const file = join(ctx.settings.dataDir, RECORD);
  let buildId: number | null = existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as { buildId?: number }).buildId ?? null) : null;
  const db = buildsDb(ctx);
  const recorded = buildId === null ? undefined : await db.selectFrom('builds').select(['id', 'state']).where('id', '=', buildId).executeTakeFirst();
  let built = false;
  if (!recorded || recorded.state !== 'succeeded' || !(await isBuildSigned(ctx, recorded.id))) {
    // The git copies live outside the data directory (builds refuse sources inside it) until built.
    const work = mkdtempSync(join(tmpdir(), 'distforge-up-base-'));
    try {
      if (!recorded || recorded.state === 'failed' || recorded.state === 'cancelled') {
        buildId = await submitBuild(ctx, ownerId, { platforms: [platformName], sources: BASE_PACKAGE_DIRS.map((d) => ({ git: gitCopy(work, examples, d) })) });
      }
      const building = buildId ?? 0;
      await until(`the base packages (build ${building})`, 15 * 60_000, async () => {
        const b = await db.selectFrom('builds').select(['state', 'failure_reason']).where('id', '=', building).executeTakeFirstOrThrow();
        if (b.state === 'failed' || b.state === 'cancelled') throw new DistforgeError('up_base_packages', `the base packages (build ${building}) ${b.state}${b.failure_reason ? `: ${b.failure_reason}` : ''} (see distforge build show ${building})`, { status: 500 });
        return b.state === 'succeeded';
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const id = buildId ?? 0;
    await requestSigning(ctx, { buildId: id, requestedBy: ownerId });
    // Signed: the packages, and then their repositories' metadata (dnf with repo_gpgcheck=1).
    await until(`the base packages (build ${id}) to be signed`, 5 * 60_000, async () => (await isBuildSigned(ctx, id)) && !(await signingUnderWay(ctx, id)));
    writeFileSync(file, `${JSON.stringify({ buildId: id })}\n`);
    built = true;
  }
  const id = buildId ?? 0;
  const build = await db.selectFrom('builds').select(['id', 'public', 'repo_key']).where('id', '=', id).executeTakeFirstOrThrow();
  const platform = await findPlatform(ctx, platformName);
  if (!platform) return null;
  const arch = buildArches(platform)[0] ?? 'x86_64';
  const url = buildRepoUrl(ctx, build, platformName, arch).replace(`/${arch}/`, '/$basearch/');
  const { createdAt: _c, updatedAt: _u, ...definition } = platform;
  await savePlatform(ctx, {
    ...definition,
    repositories: [...definition.repositories.filter((r) => r.name !== 'base'), { name: 'base', url }],
    tests: definition.tests ?? { gate: true, timeoutSeconds: 300, autoSign: false },
  });
  return { buildId: id, built, url };
}
