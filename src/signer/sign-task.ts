/**
 * Running one sign task on the signer: it gets the heads of the task's packages from the master
 * (lead, signature header, main header: what is signed; the main header holds the payload's
 * digest), signs each main header with the requested key (src/rpm), checks the new signature
 * header with the public key as rpm would, and sends only the new signature headers back, a page
 * of packages per request, the last one completing the task; the master composes the signed
 * packages from the originals it holds and checks them (src/signing/compose.ts). A package without
 * a payload digest is downloaded whole (sha256 checked): its header+payload signature needs the
 * payload. A sign-repo task runs in the same frame with repomd-sign.ts's body. The log goes to
 * the master as it is written. Any failure fails the task with the reason; a lost lease or a stop
 * abandons it (the master leases it again).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readPublicKeys, type PublicKeyRing } from '../pgp/keys.ts';
import { publicKeyArmored } from '../pgp/secret-key.ts';
import { LEAD_SIZE, readRpmBuffer, readRpmFileSync, RpmFormatError, signatureBlock, signingNeedsPayload, signRpm, verifyRpm, withSignatureBlock, type RpmFile } from '../rpm/index.ts';
import type { NodeClient } from '../node/client.ts';
import { DownloadChecksumError, LeaseLostError, NodeApiError } from '../node/errors.ts';
import { MAX_CHUNK, taskLogStreamer } from '../node/log-stream.ts';
import type { NodeLogger, TaskOutcome } from '../node/task-runner.ts';
import { eachAtMost } from '../util/each-at-most.ts';
import type { UnlockedKey } from './keystore.ts';
import { SignFailed, type LeasedHead, type SignJob, type SignTaskLease } from './job.ts';
import { signRepomds } from './repomd-sign.ts';

export type { SignTaskLease } from './job.ts';

export interface SignSettings {
  client: NodeClient;
  workRoot: string;
  /** The unlocked keys, by key id. */
  keys: ReadonlyMap<string, UnlockedKey>;
  log: NodeLogger;
  /** Packages downloaded whole (those without a payload digest) up to this size are signed in memory, larger ones through a file (default 64 MiB). */
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

/** Packages downloaded whole are signed in memory up to this size by default; larger ones through a file in the work dir. */
const IN_MEMORY_BYTES = 64 * 1024 * 1024;

/** Packages signed at once (each signature is a private-key operation on the thread pool). */
const SIGNING_AT_ONCE = 4;

/** A request carries at most this many signature headers, and about this many bytes of them. */
const PER_REQUEST = { packages: 500, bytes: 4 * 1024 * 1024 };

/** A package of the lease. */
interface LeasedPackage {
  name: string;
  kind: string;
  url: string;
  sha256: string;
}

/** Why a signed package (or head) does not check with the key, or null. */
function problemOf(report: Awaited<ReturnType<typeof verifyRpm>>): string | null {
  return report.ok ? null : report.checks.filter((c) => c.status !== 'OK').map((c) => `${c.name}: ${c.status}`).join('; ') || 'no signature';
}

/** Reads the signature block (the bytes between the lead and the main header) of the package file at `path`. */
function signatureBlockOfFile(path: string, f: RpmFile): Buffer {
  const block = Buffer.alloc(f.headerStart - LEAD_SIZE);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, block, 0, block.length, LEAD_SIZE);
  } finally {
    closeSync(fd);
  }
  return block;
}

/**
 * Signs a package without a payload digest: it is downloaded whole (sha256 checked: a package
 * changed in the store since it was built is refused), signed over its header and over header and
 * payload, checked whole; returns its new signature block.
 */
async function signWhole(s: SignSettings, key: UnlockedKey, ring: PublicKeyRing, a: LeasedPackage, scratchFile: () => string): Promise<Buffer> {
  const changed = (e: unknown): never => {
    if (e instanceof DownloadChecksumError) throw new SignFailed(`${a.name} is not the package that was built: the store gives sha256 ${e.got}, the build recorded ${a.sha256}`);
    throw e;
  };
  const data = await s.client.downloadBytes(a.url, a.sha256, s.inMemoryBytes ?? IN_MEMORY_BYTES).catch(changed);
  let block: Buffer;
  let problem: string | null;
  if (data !== null) {
    const f = readRpmBuffer(data);
    block = await signatureBlock(f, key.secret, () => data.subarray(f.headerStart));
    problem = problemOf(await verifyRpm(withSignatureBlock(data, f, block), { keys: ring, requireSignature: true }));
  } else {
    const scratch = scratchFile();
    await s.client.download(a.url, scratch, a.sha256).catch(changed);
    // Signed in place (the download is our own copy), then the new block read back.
    await signRpm(scratch, key.secret);
    block = signatureBlockOfFile(scratch, readRpmFileSync(scratch));
    problem = problemOf(await verifyRpm(scratch, { keys: ring, requireSignature: true }));
  }
  if (problem !== null) throw new SignFailed(`${a.name}: the signed package does not verify (${problem})`);
  return block;
}

/**
 * Signs one package from its head: returns its new signature block (signature header and padding),
 * checked with the public key over the head (header signature, header digests).
 */
async function signHead(s: SignSettings, job: SignJob, a: LeasedPackage, head: Buffer, scratchFile: () => string): Promise<Buffer> {
  const { key, ring } = job;
  let f: RpmFile;
  try {
    f = readRpmBuffer(head);
  } catch (e) {
    if (e instanceof RpmFormatError) throw new SignFailed(`${a.name}: the master's head of it is not an RPM's (${e.message})`);
    throw e;
  }
  let block: Buffer;
  if (signingNeedsPayload(f)) {
    block = await signWhole(s, key, ring, a, scratchFile);
  } else {
    block = await signatureBlock(f, key.secret);
    const problem = problemOf(await verifyRpm(Buffer.concat([f.lead.bytes, block, f.header.blob]), { keys: ring, requireSignature: true, headOnly: true }));
    if (problem !== null) throw new SignFailed(`${a.name}: the signed header does not verify (${problem})`);
  }
  job.note(`signed ${a.name}: header sha256 ${createHash('sha256').update(f.header.blob).digest('hex')} (package sha256 ${a.sha256} as built)`);
  return block;
}

/**
 * Signs the packages of a sign task, page of heads by page, sending each page's signature headers
 * (the last request completes the task: the log is closed before it). Returns null: completed.
 */
async function signPackages(s: SignSettings, job: SignJob): Promise<null> {
  const { task, key, note, signal } = job;
  const leased = new Map(task.dependencies.flatMap((d) => d.artifacts).filter((a) => a.kind === 'rpm' || a.kind === 'srpm').map((a) => [a.name, a]));
  note(`sign task ${task.id} of build ${task.buildId}, attempt ${task.attempt}: ${leased.size} package(s) with key ${key.info.keyid} (${key.info.algorithm})`);
  let done = 0;
  // The first heads come with the lease (when they fit), the others on request.
  let first = task.sign?.heads;
  for (let from: number | null = 0; from !== null; ) {
    const page: { packages: LeasedHead[]; next: number | null } = first ?? (await s.client.packageHeads(task.id, from));
    first = undefined;
    from = page.next;
    const blocks: { name: string; signatureHeader: string }[] = new Array(page.packages.length);
    await eachAtMost(page.packages, SIGNING_AT_ONCE, async (p, i) => {
      if (signal.aborted) throw signal.reason;
      const a = leased.get(p.name);
      if (!a || a.sha256 !== p.sha256) throw new SignFailed(`the master sent the head of ${p.name} (sha256 ${p.sha256}), which the lease does not list`);
      const block = await signHead(s, job, a, Buffer.from(p.head, 'base64'), () => join(job.work(), `${done + i}.rpm`));
      blocks[i] = { name: p.name, signatureHeader: block.toString('base64') };
    });
    done += blocks.length;
    // In requests of bounded size; the last of the last page completes the task (a task without
    // packages too, with an empty request).
    let i = 0;
    do {
      let bytes = 0;
      let end = i;
      while (end < blocks.length && end - i < PER_REQUEST.packages && (end === i || bytes < PER_REQUEST.bytes)) bytes += (blocks[end++] as { signatureHeader: string }).signatureHeader.length;
      const complete = from === null && end === blocks.length;
      if (complete && done !== leased.size) throw new SignFailed(`the master sent the heads of ${done} package(s), the lease lists ${leased.size}`);
      // The log goes with the signatures; what does not fit goes first, on its own.
      let log = job.takeLog(MAX_CHUNK);
      for (let more = complete ? job.takeLog(MAX_CHUNK) : undefined; more !== undefined && log !== undefined; more = job.takeLog(MAX_CHUNK)) {
        await s.client.appendLog(task.id, log.seq, log.text);
        log = more;
      }
      await s.client.sendSignatures(task.id, { keyid: key.info.keyid, packages: blocks.slice(i, end), complete, ...(log && { log }) });
      i = end;
    } while (i < blocks.length);
  }
  return null;
}

/** A sign task's log, held until it goes to the master with a request (numbered chunks, as streamed logs are). */
class HeldLog {
  #text = '';
  #seq = 0;

  write(text: string): void {
    this.#text += text;
  }

  /** What was written since the last call, at most `maxChars`, with its sequence number. */
  take(maxChars: number): { seq: number; text: string } | undefined {
    if (this.#text === '') return undefined;
    const text = this.#text.slice(0, maxChars);
    this.#text = this.#text.slice(text.length);
    return { seq: this.#seq++, text };
  }
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
  // A sign-repo task's log streams to the master; a sign task's goes with its signatures.
  const streamer = task.kind === 'sign' ? null : taskLogStreamer(s.client, task.id, onLeaseLost);
  const held = new HeldLog();
  const note = (line: string): void => (streamer ? streamer.write(`${line}\n`) : held.write(`${line}\n`));
  const closeLog = async (): Promise<void> => {
    if (streamer) return streamer.close();
    for (let rest = held.take(MAX_CHUNK); rest !== undefined; rest = held.take(MAX_CHUNK)) await s.client.appendLog(task.id, rest.seq, rest.text);
  };
  // The work dir is made only when a package goes through a file.
  const work = join(s.workRoot, `sign-${task.id}-${task.attempt}`);
  let made = false;
  const workDir = (): string => {
    if (!made) mkdirSync(work, { recursive: true });
    made = true;
    return work;
  };
  try {
    const key = s.keys.get(keyid ?? '');
    if (!key) throw new SignFailed(keyid === undefined ? 'the lease names no key (its sign request is gone)' : `no signer holds key ${keyid}: start the signer whose key store has it, then ask again`);
    const job: SignJob = { task, key, ring: await publicRing(key), work: workDir, note, signal, takeLog: (max) => held.take(max) };
    // A sign task completes with its last signatures; a sign-repo task sends them with its completion.
    const result = task.kind === 'sign' ? await signPackages(s, job) : await signRepomds(s.client, job);
    if (result !== null) {
      await closeLog();
      await s.client.complete(task.id, result);
    }
    s.log.info({ ...ids, kind: task.kind, keyid: key.info.keyid }, task.kind === 'sign' ? 'packages signed' : 'repository metadata signed');
    return 'succeeded';
  } catch (e) {
    if (e instanceof LeaseLostError || signal.aborted) {
      await streamer?.close();
      const lost = e instanceof LeaseLostError || signal.reason instanceof LeaseLostError;
      s.log.warn({ ...ids }, lost ? 'lease lost: sign task abandoned' : 'signer stopping: sign task abandoned');
      return lost ? 'lease-lost' : 'stopped';
    }
    // The master refusing what was signed (422) is the task's failure, in the master's words.
    const refusedByMaster = e instanceof NodeApiError && e.httpStatus === 422 && e.masterMessage !== null ? `the master refused the signatures: ${e.masterMessage}` : null;
    const reason = e instanceof SignFailed ? e.message : (refusedByMaster ?? `signer error: ${(e as Error).message}`);
    note(`signing failed: ${reason}`);
    try {
      await closeLog().catch((err: unknown) => {
        if (err instanceof LeaseLostError) throw err;
      });
      await s.client.fail(task.id, reason);
    } catch (err) {
      if (err instanceof LeaseLostError) return 'lease-lost';
      throw err;
    }
    s.log.info({ ...ids, reason }, 'sign task failed');
    return 'failed';
  } finally {
    if (made) rmSync(work, { recursive: true, force: true });
  }
}
