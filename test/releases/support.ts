/**
 * What the release tests share: a real master (the example platform, whose release repositories
 * are BaseOS and AppStream), a build node driven by the test (real RPMs from rpmbuild), a real
 * signer whose key the platform allows, and real dnf installing from the master's /repos/ URLs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildView } from '../../src/builds/index.ts';
import type { NodeLogger } from '../../src/node/task-runner.ts';
import type { KeyInfo } from '../../src/pgp/key-info.ts';
import type { ReleaseView } from '../../src/releases/index.ts';
import { generateKey } from '../../src/signer/keystore.ts';
import { createSigner } from '../../src/signer/signer.ts';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { BOOTSTRAP_REPO } from '../support/bootstrap-repo.ts';
import { dnfAsync, type DnfOutcome } from '../support/dnf-root.ts';

export { type DnfOutcome };
import { rpmbuild } from '../support/rpmbuild.ts';
import { api } from '../support/server.ts';
import { makeGitRepo, SimNode, startBuildsServer, type BuildsServer } from '../server/builds-support.ts';

export const PLATFORM = 'example-el9';
const PASS = 'release tests signer passphrase';

export interface ReleaseRig {
  server: BuildsServer;
  node: SimNode;
  key: KeyInfo;
  /** The platform's public key file (for dnf's gpgkey). */
  pubkeyFile: string;
  dir: string;
  signerLog: string[];
  /** Starts the signer, against `url` (default the rig's master). */
  startSigner(url?: string): Promise<void>;
  stopSigner(): Promise<void>;
  close(): Promise<void>;
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A master, a node, a signer holding a key the platform allows. */
export async function startReleaseRig(options: { now?: () => number } = {}): Promise<ReleaseRig> {
  const dir = mkdtempSync(join(tmpdir(), 'distforge-releases-'));
  const server = await startBuildsServer(options.now ? { now: options.now } : {});
  try {
    const node = await SimNode.create(server);
    const keysDir = join(dir, 'keys');
    const key = await generateKey(keysDir, { algorithm: 'rsa4096', name: 'Example Releases', email: 'releases@example.org' }, PASS);
    const signerToken = (await createNodeToken(server.ctx, { name: 'signer1', arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 2 })).secret;
    const signerLog: string[] = [];
    const log: NodeLogger = {
      info: (o, m) => signerLog.push(JSON.stringify({ ...o, m })),
      warn: (o, m) => signerLog.push(JSON.stringify({ ...o, m })),
      error: (o, m) => signerLog.push(JSON.stringify({ ...o, m })),
    };
    let stop: (() => Promise<void>) | null = null;
    const rig: ReleaseRig = {
      server,
      node,
      key,
      pubkeyFile: join(dir, 'RPM-GPG-KEY'),
      dir,
      signerLog,
      async startSigner(url = server.url) {
        const { agent } = await createSigner({ server: url, token: signerToken, keysDir, passphrase: PASS, workDir: join(dir, 'signer-work'), waitSeconds: 1, log });
        const done = agent.run();
        stop = async () => {
          agent.stop();
          await done;
        };
      },
      async stopSigner() {
        await stop?.();
        stop = null;
      },
      async close() {
        await stop?.();
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    await rig.startSigner();
    await until('the signer to register its key', async () => (await api<{ keyid: string }[]>(server, 'GET', '/keys')).body.some((k) => k.keyid === key.keyid));
    const allowed = await api(server, 'PUT', `/keys/${key.keyid}/platforms`, { token: server.adminToken, body: { platforms: [PLATFORM] } });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    const pub = await api<string>(server, 'GET', `/keys/${key.keyid}.asc`);
    writeFileSync(rig.pubkeyFile, pub.body);
    return rig;
  } catch (e) {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Replaces the platform's release repositories. */
export async function setReleaseRepositories(rig: ReleaseRig, repositories: Record<string, unknown>[]): Promise<void> {
  const platform = (await api<Record<string, unknown>>(rig.server, 'GET', `/platforms/${PLATFORM}`)).body;
  const { createdAt: _c, updatedAt: _u, lifecycleStatus: _l, ...definition } = platform;
  (definition.releases as { repositories: unknown[] }).repositories = repositories;
  const put = await api(rig.server, 'PUT', `/platforms/${PLATFORM}`, { token: rig.server.adminToken, body: definition });
  assert.equal(put.status, 200, JSON.stringify(put.body));
}

/** Puts the library `name` (and so its debuginfo) in BaseOS; everything else goes to AppStream. */
export async function libraryInBaseOS(rig: ReleaseRig, name: string): Promise<void> {
  await setReleaseRepositories(rig, [{ name: 'BaseOS', description: 'the core system', packages: [name] }, { name: 'AppStream', description: 'applications', default: true }]);
}

/** A spec: `name` `version`, its own `extra` lines (Requires, BuildArch, subpackages) and an empty %files. */
export function releaseSpec(name: string, version: string, extra: string[] = [], subpackages: string[] = []): string {
  return [
    `Name: ${name}`,
    `Version: ${version}`,
    'Release: 1%{?dist}',
    `Summary: ${name} for the release tests`,
    'License: MIT',
    ...extra,
    '%description',
    `${name}, a package of the release tests.`,
    ...subpackages.flatMap((s) => [`%package ${s}`, `Summary: ${name} ${s}`, `%description ${s}`, `${name} ${s}.`, `%files ${s}`]),
    '%files',
    '',
  ].join('\n');
}

/** A succeeded build of `spec` (real RPMs from rpmbuild, uploaded by the node). */
export async function makeBuild(rig: ReleaseRig, name: string, spec: string): Promise<number> {
  const { server, node } = rig;
  const repo = makeGitRepo(server.gitRoot, `${name}-${Date.now()}`, { [`${name}.spec`]: spec });
  const r = await api<BuildView>(server, 'POST', '/builds', { token: server.maintainer, body: { platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }], public: true } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const top = mkdtempSync(join(rig.dir, 'rpmbuild-'));
  const files = rpmbuild(top, name, spec);
  for (const t of await node.leaseAll()) {
    await node.upload(t, files.filter((f) => f.endsWith('.src.rpm')));
    await node.complete(t, {});
  }
  for (const t of await node.leaseAll()) {
    await node.upload(t, files.filter((f) => !f.endsWith('.src.rpm')));
    await node.complete(t, {});
  }
  const b = (await api<BuildView>(server, 'GET', `/builds/${r.body.id}`, { token: server.maintainer })).body;
  assert.equal(b.state, 'succeeded', JSON.stringify(b.tasks.map((t) => [t.kind, t.state, t.failureReason])));
  return b.id;
}

/** Signs a build and waits until it is. */
export async function signBuild(rig: ReleaseRig, id: number): Promise<void> {
  const r = await api(rig.server, 'POST', `/builds/${id}/sign`, { token: rig.server.maintainer, body: {} });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await until(`build ${id} to be signed`, async () => (await api<BuildView>(rig.server, 'GET', `/builds/${id}`, { token: rig.server.maintainer })).body.signed);
}

/** Waits until a committed release is no longer publishing; returns it. */
export async function waitRelease(rig: ReleaseRig, id: number): Promise<ReleaseView> {
  return until(`release ${id} to be published`, async () => {
    const r = (await api<ReleaseView>(rig.server, 'GET', `/releases/${id}`)).body;
    return r.state !== 'publishing' && r;
  });
}

/** The URL of a release channel (ends with /). */
export function repoUrl(rig: ReleaseRig, path: string): string {
  return `${rig.server.url}/repos/${PLATFORM}/${path}/`;
}

/** Runs dnf in a fresh isolated root under `work` (gpgcheck and repo_gpgcheck on unless `gpg` is false). */
export function dnf(work: string, args: string[], options: { reposdir?: string; gpg?: boolean } = {}): Promise<DnfOutcome> {
  return dnfAsync(work, args, options);
}

/** dnf arguments for signed release channels (gpgcheck and repo_gpgcheck on, the platform's key) and the unsigned bootstrap repository. */
export function repoArgs(rig: ReleaseRig, channels: string[]): string[] {
  return [
    ...channels.flatMap((c, i) => [`--repofrompath=rel${i},${repoUrl(rig, c)}`, `--setopt=rel${i}.gpgcheck=1`, `--setopt=rel${i}.repo_gpgcheck=1`, `--setopt=rel${i}.gpgkey=file://${rig.pubkeyFile}`]),
    `--repofrompath=bootstrap,file://${BOOTSTRAP_REPO}`, '--setopt=bootstrap.gpgcheck=0', '--setopt=bootstrap.repo_gpgcheck=0',
  ];
}
