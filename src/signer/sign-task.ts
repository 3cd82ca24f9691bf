/**
 * Running one sign task on the signer: for every srpm and rpm the lease lists (the packages of the
 * build item's tasks), download it and check its sha256 against what the master recorded (a
 * package changed in the store after building is refused, naming both sums), sign its header with
 * the requested key (src/rpm), check the result with the public key as rpm would, and upload it
 * under the same name; then complete. A sign-repo task runs in the same frame with
 * repomd-sign.ts's body. The log goes to the master as it is written. Any failure
 * fails the task with the reason; a lost lease or a stop abandons it (the master leases it again).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readPublicKeys, type PublicKeyRing } from '../pgp/keys.ts';
import { publicKeyArmored } from '../pgp/secret-key.ts';
import { signRpm, signRpmBuffer, verifyRpm } from '../rpm/index.ts';
import type { NodeClient } from '../node/client.ts';
import { DownloadChecksumError, LeaseLostError, NodeApiError } from '../node/errors.ts';
import { taskLogStreamer } from '../node/log-stream.ts';
import type { NodeLogger, TaskOutcome } from '../node/task-runner.ts';
import { sha256File } from '../util/sha256-file.ts';
import type { UnlockedKey } from './keystore.ts';
import { SignFailed, type SignJob, type SignTaskLease } from './job.ts';
import { signRepomds } from './repomd-sign.ts';

export type { SignTaskLease } from './job.ts';

export interface SignSettings {
  client: NodeClient;
  workRoot: string;
  /** The unlocked keys, by key id. */
  keys: ReadonlyMap<string, UnlockedKey>;
  log: NodeLogger;
  /** Packages up to this size are signed in memory, larger ones through a file (default 64 MiB). */
  inMemoryBytes?: number;
}

const rings = new WeakMap<UnlockedKey, Promise<PublicKeyRing>>();

function publicRing(key: UnlockedKey): Promise<PublicKeyRing> {
  let ring = rings.get(key);
  if (!ring) {
    ring = readPublicKeys(publicKeyArmored(key.secret));
    rings.set(key, ring);
  }
  return ring;
}

/** Packages up to this size are signed in memory by default; larger ones through a file in the work dir. */
const IN_MEMORY_BYTES = 64 * 1024 * 1024;

/**
 * Downloads one package (sha256 checked), signs it, checks the result with the public key and
 * uploads it under the same name; returns the signed package's sha256.
 */
async function signOne(s: SignSettings, key: UnlockedKey, ring: PublicKeyRing, a: { name: string; kind: 'rpm' | 'srpm'; url: string; sha256: string }, scratch: string, taskId: number): Promise<string> {
  const changed = (e: unknown): never => {
    if (e instanceof DownloadChecksumError) throw new SignFailed(`${a.name} is not the package that was built: the store gives sha256 ${e.got}, the build recorded ${a.sha256}`);
    throw e;
  };
  const data = await s.client.downloadBytes(a.url, a.sha256, s.inMemoryBytes ?? IN_MEMORY_BYTES).catch(changed);
  let signed: { path: string; data?: Buffer };
  if (data !== null) {
    signed = { path: scratch, data: await signRpmBuffer(data, key.secret) };
  } else {
    await s.client.download(a.url, scratch, a.sha256).catch(changed);
    // Signed in place: only the signature block is rewritten (the download is our own copy).
    await signRpm(scratch, key.secret);
    signed = { path: scratch };
  }
  const report = await verifyRpm(signed.data ?? signed.path, { keys: ring, requireSignature: true });
  if (!report.ok) throw new SignFailed(`${a.name}: the signed package does not verify (${report.checks.filter((c) => c.status !== 'OK').map((c) => `${c.name}: ${c.status}`).join('; ')})`);
  const sha256 = signed.data ? createHash('sha256').update(signed.data).digest('hex') : await sha256File(signed.path);
  const size = signed.data ? signed.data.length : statSync(signed.path).size;
  await s.client.uploadArtifact(taskId, { name: a.name, kind: a.kind, path: signed.path, ...(signed.data && { data: signed.data }), sha256, size });
  return sha256;
}

/** Signs the packages of a sign task; returns the completion's result. */
async function signPackages(s: SignSettings, job: SignJob): Promise<Record<string, unknown>> {
  const { task, key, ring, note, signal } = job;
  const packages = task.dependencies.flatMap((d) => d.artifacts).filter((a) => a.kind === 'rpm' || a.kind === 'srpm');
  note(`sign task ${task.id} of build ${task.buildId}, attempt ${task.attempt}: ${packages.length} package(s) with key ${key.info.keyid} (${key.info.algorithm})`);
  // Two packages at a time, each downloaded, signed, verified and uploaded in turn, so the
  // network and the signing of different packages overlap.
  const signed: { name: string; sha256: string; original: string }[] = new Array(packages.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < packages.length && !failed) {
      const i = next++;
      const a = packages[i];
      if (a === undefined) continue;
      if (signal.aborted) throw signal.reason;
      const sha256 = await signOne(s, key, ring, { ...a, kind: a.kind as 'rpm' | 'srpm' }, join(job.work, `${i}.rpm`), task.id);
      signed[i] = { name: a.name, sha256, original: a.sha256 };
      note(`signed ${a.name}: ${a.sha256} → ${sha256}`);
    }
  };
  // The first error stops both workers (the other finishes its package); then it is reported.
  const ends = await Promise.allSettled([worker(), worker()].map((w) => w.catch((e: unknown) => {
    failed = true;
    throw e;
  })));
  const error = ends.find((e): e is PromiseRejectedResult => e.status === 'rejected');
  if (error) throw error.reason;
  return { keyid: key.info.keyid, signed: signed.map((p) => ({ name: p.name, unsignedSha256: p.original, sha256: p.sha256 })) };
}

/** Runs one sign or sign-repo task: the key, the log, the completion or the failure. */
export async function runSignTask(task: SignTaskLease, s: SignSettings, signal: AbortSignal, onLeaseLost: (e: LeaseLostError) => void): Promise<TaskOutcome> {
  const ids = { taskId: task.id, buildId: task.buildId };
  // A task for a key another signer registered goes back to the queue for that signer (it is
  // never offered to this one again); a task that is not a signer's is refused too. A key no
  // other signer holds fails the task below, with the reason, rather than waiting for ever.
  const keyid = task.sign?.keyid;
  const refusal =
    task.kind !== 'sign' && task.kind !== 'sign-repo'
      ? `a signer signs; it does not run ${task.kind} tasks`
      : keyid !== undefined && !s.keys.has(keyid) && task.sign?.heldElsewhere === true
        ? `this signer does not hold key ${keyid}`
        : null;
  if (refusal !== null) {
    try {
      await s.client.refuse(task.id, refusal);
    } catch (err) {
      if (err instanceof LeaseLostError) return 'lease-lost';
      throw err;
    }
    s.log.warn({ ...ids, keyid, reason: refusal }, 'sign task refused');
    return 'refused';
  }
  const streamer = taskLogStreamer(s.client, task.id, onLeaseLost);
  const note = (line: string): void => streamer.write(`${line}\n`);
  const work = join(s.workRoot, `sign-${task.id}-${task.attempt}`);
  try {
    const key = s.keys.get(keyid ?? '');
    if (!key) throw new SignFailed(keyid === undefined ? 'the lease names no key (its sign request is gone)' : `no signer holds key ${keyid}: start the signer whose key store has it, then ask again`);
    mkdirSync(work, { recursive: true });
    const job: SignJob = { task, key, ring: await publicRing(key), work, note, signal };
    const result = task.kind === 'sign' ? await signPackages(s, job) : await signRepomds(s.client, job);
    await streamer.close();
    await s.client.complete(task.id, result);
    s.log.info({ ...ids, kind: task.kind, keyid: key.info.keyid }, task.kind === 'sign' ? 'packages signed' : 'repository metadata signed');
    return 'succeeded';
  } catch (e) {
    if (e instanceof LeaseLostError || signal.aborted) {
      await streamer.close();
      const lost = e instanceof LeaseLostError || signal.reason instanceof LeaseLostError;
      s.log.warn({ ...ids }, lost ? 'lease lost: sign task abandoned' : 'signer stopping: sign task abandoned');
      return lost ? 'lease-lost' : 'stopped';
    }
    // The master refusing what was signed (422) is the task's failure, in the master's words.
    const refusedByMaster = e instanceof NodeApiError && e.httpStatus === 422 && e.masterMessage !== null ? `the master refused the signatures: ${e.masterMessage}` : null;
    const reason = e instanceof SignFailed ? e.message : (refusedByMaster ?? `signer error: ${(e as Error).message}`);
    note(`signing failed: ${reason}`);
    await streamer.close();
    try {
      await s.client.fail(task.id, reason);
    } catch (err) {
      if (err instanceof LeaseLostError) return 'lease-lost';
      throw err;
    }
    s.log.info({ ...ids, reason }, 'sign task failed');
    return 'failed';
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
