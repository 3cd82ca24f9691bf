/**
 * bench/sign: sign N generated RPMs (default 1,000) through the sign server — a master (full app)
 * and `distforge signer` (its own process) talking HTTP on 127.0.0.1: lease, download with sha256 check, sign,
 * self-verify, upload, and the master's check and record of every signature — against
 * `rpmsign --addsign` (gpg) with the same RSA 4096 key on copies of the same files. The packages
 * are a succeeded build of N/10 items of 10 packages each (10 per sign task). Checks a sample of
 * both results with rpmkeys.
 *   node --import tsx bench/sign.ts [N]
 */
import { execFileSync, spawn } from 'node:child_process';
import { Session } from 'node:inspector';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeToken } from '../src/auth/nodes.ts';
import { createUser } from '../src/auth/users.ts';
import { buildApp } from '../src/server/app.ts';
import { createContext } from '../src/server/context-factory.ts';
import { isBuildSigned, requestSigning, setKeyPlatforms, signingUnderWay } from '../src/signing/index.ts';
import { generateKey, unlockKeys } from '../src/signer/keystore.ts';
import { blockedTask } from '../src/scheduler/index.ts';
import { packageSet, report, time } from './lib.ts';

const n = Number(process.argv[2] ?? 1000);
const PER_ITEM = 10;
const PASS = 'bench passphrase';
const { files } = packageSet(n);
const work = mkdtempSync(join(tmpdir(), 'distforge-bench-signer-'));

// The key: made in a distforge key store, exported to gpg for rpmsign.
const keysDir = join(work, 'keys');
const info = await generateKey(keysDir, { algorithm: 'rsa4096', name: 'bench', email: 'bench@distforge.test' }, PASS);
const [unlocked] = await unlockKeys(keysDir, PASS);
if (!unlocked) throw new Error('no key');
const gnupg = join(work, 'gnupg');
mkdirSync(gnupg, { mode: 0o700 });
writeFileSync(join(work, 'key.secret'), unlocked.secret.key.armor());
writeFileSync(join(work, 'key.pub'), unlocked.secret.key.toPublic().armor());
const gpgEnv = { ...process.env, GNUPGHOME: gnupg };
execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--import', join(work, 'key.secret')], { env: gpgEnv, stdio: 'ignore' });
process.stdout.write(`${files.length} packages, RSA 4096 key ${info.keyid}\n`);

// The master, with a succeeded build holding the packages.
const ctx = await createContext({ dataDir: join(work, 'data'), db: join(work, 'data', 'distforge.sqlite'), publicUrl: 'http://127.0.0.1', logLevel: 'silent' });
const app = await buildApp(ctx);
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
ctx.settings.publicUrl = url;
const now = ctx.now();
await ctx.db.kysely.insertInto('platforms').values({ name: 'bench', definition: '{"name":"bench","arches":["x86_64"],"distTag":".el9"}', created_at: now, updated_at: now }).execute();
const owner = (await createUser(ctx, 'bench', 'maintainer')).id;
const build = await ctx.db.kysely
  .insertInto('builds')
  .values({ owner_id: owner, state: 'succeeded', priority: 0, platforms: '["bench"]', explicit_order: 0, public: 1, created_at: now, finished_at: now, failure_reason: null })
  .returning('id')
  .executeTakeFirstOrThrow();
for (let start = 0; start < files.length; start += PER_ITEM) {
  const item = await ctx.db.kysely
    .insertInto('build_items')
    .values({ build_id: build.id, position: start / PER_ITEM, kind: 'srpm', git_url: null, git_ref: null, git_commit: null, srpm_sha256: null, name: `item${start}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const task = await ctx.db.kysely
    .insertInto('tasks')
    .values({ ...blockedTask({ buildId: build.id, itemId: item.id, kind: 'rpm', platform: 'bench', arch: 'x86_64', priority: 0, ownerId: owner, maxAttempts: 3, now }), state: 'succeeded', finished_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const f of files.slice(start, start + PER_ITEM)) {
    const blob = await ctx.store.put(readFileSync(f));
    await ctx.db.kysely.insertInto('artifacts').values({ task_id: task.id, name: basename(f), kind: 'rpm', sha256: blob.sha256, size: blob.size, created_at: now }).execute();
  }
}

// The signer, registered and allowed for the platform.
const token = (await createNodeToken(ctx, { name: 'bench-signer', arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 2 })).secret;
// `distforge signer` as its own process, as it runs in production (its own event loop and core).
// SIGNER_PROF=DIR: the signer runs from the bundle under node --cpu-prof (NODE_OPTIONS may not carry it).
const signerCommand = process.env.SIGNER_PROF
  ? ['node', `--cpu-prof`, `--cpu-prof-dir=${process.env.SIGNER_PROF}`, fileURLToPath(new URL('../.build/main.mjs', import.meta.url))]
  : [fileURLToPath(new URL('../bin/distforge', import.meta.url))];
const signer = spawn(signerCommand[0] ?? 'node', [...signerCommand.slice(1), 'signer', '--server', url, '--token', token, '--keys', keysDir, '--work', join(work, 'signer-work'), '--max-concurrency', process.env.SIGNER_CONCURRENCY ?? '4', '--log-level', 'warn'], {
  env: { ...process.env, DISTFORGE_SIGNER_PASSPHRASE: PASS },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const exited = new Promise((done) => signer.once('exit', done));
for (;;) {
  if (await ctx.db.kysely.selectFrom('nodes').select('id').where('name', '=', 'bench-signer').where('last_seen_at', 'is not', null).executeTakeFirst()) {
    try {
      await setKeyPlatforms(ctx, info.keyid, ['bench']);
      break;
    } catch {
      // the signer has not registered its key yet
    }
  }
  await new Promise((r) => setTimeout(r, 50));
}

/** Fields of /proc/PID/stat after the command name (field 3 is the first). */
const statFields = (pid: number | 'self'): string[] => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
/** CPU time (ms) a process has used so far, from /proc (user + system; 100 ticks a second). */
const processCpuMs = (pid: number): number => ((Number(statFields(pid)[11]) + Number(statFields(pid)[12])) * 1000) / 100;
/** CPU time (ms) of this process's children that ended (rpmsign and the gpg it runs). */
const childrenCpuMs = (): number => ((Number(statFields('self')[13]) + Number(statFields('self')[14])) * 1000) / 100;
// MASTER_PROF=FILE: a CPU profile of the master (this process) while signing, and only then.
const profiler = process.env.MASTER_PROF ? new Session() : null;
const post = (method: string, params?: object): Promise<unknown> => new Promise((done, fail) => profiler?.post(method, params, (e, r) => (e ? fail(e) : done(r))));
if (profiler) {
  profiler.connect();
  await post('Profiler.enable');
  await post('Profiler.start');
}
const cpuBefore = { master: process.cpuUsage(), signer: processCpuMs(signer.pid ?? 0) };
const oursMs = await time(async () => {
  await requestSigning(ctx, { buildId: build.id, requestedBy: owner });
  while (!(await isBuildSigned(ctx, build.id))) await new Promise((r) => setTimeout(r, 100));
});
const masterCpu = process.cpuUsage(cpuBefore.master);
const cpu = { master: (masterCpu.user + masterCpu.system) / 1000, masterSystem: masterCpu.system / 1000, signer: processCpuMs(signer.pid ?? 0) - cpuBefore.signer };
if (profiler) {
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(process.env.MASTER_PROF ?? '', JSON.stringify(profile));
  profiler.disconnect();
}
// The sign-repo task (repository metadata) runs after the packages: not timed (rpmsign signs
// packages only), but let it end before rpmsign runs so that it does not compete for the CPU.
while (await signingUnderWay(ctx, build.id)) await new Promise((r) => setTimeout(r, 100));
signer.kill('SIGTERM');
await exited;

// rpmsign on copies of the same files.
const theirs = join(work, 'rpmsign');
mkdirSync(theirs);
const theirFiles = files.map((f) => join(theirs, basename(f)));
files.forEach((f, i) => copyFileSync(f, theirFiles[i] ?? ''));
/** The gpg-agent of GNUPGHOME `home` (gpg starts it; it makes rpmsign's signatures), or null. */
function gpgAgentPid(home: string): number | null {
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('gpg-agent') && cmd.includes(home)) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}
const agent = gpgAgentPid(gnupg);
const agentBefore = agent === null ? 0 : processCpuMs(agent);
const childrenBefore = childrenCpuMs();
const theirMs = await time(() =>
  execFileSync('rpmsign', ['--addsign', '--define', '__gpg /usr/bin/gpg', '--define', `_gpg_name ${info.keyid}`, ...theirFiles], { env: gpgEnv, stdio: 'ignore', maxBuffer: 1 << 30 }),
);

const theirCpu = childrenCpuMs() - childrenBefore + (agent === null ? 0 : processCpuMs(agent) - agentBefore);
execFileSync('gpgconf', ['--homedir', gnupg, '--kill', 'gpg-agent'], { stdio: 'ignore' });

// A sample of both results verifies with rpmkeys.
const db = join(work, 'rpmdb');
execFileSync('rpmkeys', ['--dbpath', db, '--import', join(work, 'key.pub')]);
const signed = await ctx.db.kysely.selectFrom('artifacts').select(['name', 'sha256']).where('task_id', 'in', (eb) => eb.selectFrom('tasks').select('id').where('kind', '=', 'sign')).limit(3).execute();
const sample = signed.map((s) => {
  const path = join(work, `signed-${s.name}`);
  writeFileSync(path, readFileSync(ctx.store.localPath(s.sha256) ?? ''));
  return path;
});
execFileSync('rpmkeys', ['--dbpath', db, '--checksig', ...sample, ...theirFiles.slice(0, 3)], { stdio: 'ignore' });
process.stdout.write('rpmkeys --checksig: both results verify\n');
report(`sign ${files.length} RPMs through the signer (RSA 4096)`, oursMs, 'rpmsign --addsign', theirMs);
process.stdout.write(`CPU: master ${(cpu.master / 1000).toFixed(1)} s (${(cpu.masterSystem / 1000).toFixed(1)} s of it in the kernel; with the bench's polling) + signer ${(cpu.signer / 1000).toFixed(1)} s; rpmsign, gpg and gpg-agent ${(theirCpu / 1000).toFixed(1)} s; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
await app.close();
await ctx.db.close();
rmSync(work, { recursive: true, force: true });
