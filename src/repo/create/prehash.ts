/**
 * Package files hashed ahead: `bin/distforge repo create DIR` on two cores starts hashing DIR's
 * `*.rpm` files in a native pipeline (`find | sort | xargs openssl dgst -sha256 -r`) before Node
 * starts, so that the second core hashes while the first loads Node and the command (~0.12 s
 * that would otherwise leave it idle), and hands this process the pipeline's output on an
 * inherited pipe. See bin/distforge, and docs/repo.md for when it runs.
 *
 * The pipeline is only a head start; nothing depends on it being right:
 * - it is used only for the directory it was started for (both resolved to real paths);
 * - a pkgId is taken from it only for a file whose status has not changed since shortly before the
 *   pipeline started (ctime, checked once the file's line has come, so after both the pipeline
 *   and this process read it: neither can have seen other bytes than the other); any write,
 *   rename or link in between changes the ctime;
 * - a file it does not list (it failed, its name needed escaping, it was added meanwhile) or
 *   whose status changed is hashed by this process;
 * - a pipeline that says nothing for 5 s while this process waits for it is given up (it lists
 *   only regular files and links to them, so no FIFO can hold it, but a file system can).
 *
 * Environment (set by bin/distforge, removed from this process's environment on reading so that
 * no child inherits it): DISTFORGE_PREHASH_FD (the pipe), DISTFORGE_PREHASH_PID (the pipeline's
 * process group, which is stopped when this process no longer reads it: openssl goes on after its
 * output is closed), DISTFORGE_PREHASH_DIR (the directory as given), DISTFORGE_PREHASH_SINCE
 * (when it started, microseconds since the epoch).
 */
import { closeSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { FoundPackage } from './scan.ts';

/**
 * Changes this long before the pipeline started still count as changes: file times come from a
 * clock that may lag the one the start was read from by a scheduler tick.
 */
const MARGIN_NS = 1_000_000_000n;

/** How long the pipeline may say nothing while the command waits for it. */
const STALL_MS = 5000;

const ENV = ['DISTFORGE_PREHASH_FD', 'DISTFORGE_PREHASH_PID', 'DISTFORGE_PREHASH_DIR', 'DISTFORGE_PREHASH_SINCE'] as const;

/** The environment's pipeline settings, removed from the environment (a pipeline given with unusable ones is stopped). */
function takeEnvironment(): { fd: number; pid: number; dir: string; sinceNs: bigint } | null {
  const [fd, pid, dir, since] = ENV.map((k) => process.env[k]);
  for (const k of ENV) delete process.env[k];
  const number = (v: string | undefined): number => (v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : -1);
  if (number(fd) < 3 || dir === undefined || since === undefined || !/^\d+$/.test(since)) {
    stopGroup(number(pid));
    return null;
  }
  return { fd: number(fd), pid: number(pid), dir, sinceNs: BigInt(since) * 1000n };
}

/**
 * Stops process group `pid` if it is this process's own child leading its own group (the
 * pipeline bin/distforge started before it became this process); anything else is left alone.
 */
function stopGroup(pid: number): void {
  if (pid <= 1) return;
  try {
    // "pid (comm) state ppid pgrp …": comm may hold anything, so the fields are read after its ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === process.pid && Number(pgrp) === pid) process.kill(-pid, 'SIGTERM');
  } catch {
    // gone already
  }
}

function sameDirectory(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // not open
  }
}

export class Prehash {
  /** pkgId by href, as the pipeline reported them. */
  private readonly ids = new Map<string, string>();
  private ended = false;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly input: Readable,
    private readonly sinceNs: bigint,
    /** The pipeline's process group (-1: none known). */
    private readonly group = -1,
    private readonly stallMs = STALL_MS,
  ) {
    input.setEncoding('latin1');
    let rest = '';
    input.on('data', (chunk: string) => {
      const text = rest + chunk;
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        this.line(text.slice(from, nl));
        from = nl + 1;
      }
      rest = text.slice(from);
      this.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.wake();
    };
    input.on('end', end);
    input.on('close', end);
    // A pipe that breaks is a pipeline that ended: what it did not list is hashed here.
    input.on('error', end);
  }

  /**
   * The pipeline started for `dir`, if this process was given one (and it was for `dir`); the
   * environment is cleared either way.
   */
  static fromEnvironment(dir: string): Prehash | null {
    const env = takeEnvironment();
    if (!env) return null;
    if (!sameDirectory(env.dir, dir)) {
      stopGroup(env.pid);
      closeQuietly(env.fd);
      return null;
    }
    try {
      const input = new Socket({ fd: env.fd, readable: true, writable: false });
      // Waiting for it keeps this process alive (the waits have timers); the pipe alone does not.
      input.unref();
      return new Prehash(input, env.sinceNs, env.pid);
    } catch {
      // Not a pipe (the fd was not the wrapper's): hash everything here.
      stopGroup(env.pid);
      closeQuietly(env.fd);
      return null;
    }
  }

  /**
   * The output of a pipeline started at `sinceNs` (ns since the epoch), run in the repository
   * directory; `stallMs`: how long it may say nothing while waited for (tests).
   */
  static reading(input: Readable, sinceNs: bigint, stallMs = STALL_MS): Prehash {
    return new Prehash(input, sinceNs, -1, stallMs);
  }

  /** `HEX *./HREF` (openssl dgst -r, run in the directory); lines with escaped names are left out. */
  private line(line: string): void {
    if (line.length < 68 || line.charCodeAt(0) === 0x5c || !line.startsWith(' *./', 64)) return;
    this.ids.set(line.slice(68), line.slice(0, 64));
  }

  /** Whether the pipeline has said what it will about `found` (listed it, or ended). */
  settled(found: FoundPackage): boolean {
    return this.ended || this.ids.has(found.href);
  }

  /**
   * Resolves once {@link settled} holds for `found`. A pipeline that says nothing for 5 s while
   * waited for is given up (stopped; the rest is hashed here): a file it
   * cannot read must not hold the command.
   */
  async until(found: FoundPackage): Promise<void> {
    while (!this.settled(found)) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = await new Promise<boolean>((wake) => {
        this.waiters.push(() => wake(false));
        timer = setTimeout(() => wake(true), this.stallMs);
      });
      clearTimeout(timer);
      if (stalled && !this.settled(found)) this.close();
    }
  }

  /**
   * The pkgId the pipeline found for `found`, once {@link settled}; null when it has none, or the
   * file's status changed since the pipeline started (the caller then hashes the file).
   */
  idOf(found: FoundPackage): string | null {
    const id = this.ids.get(found.href);
    if (id === undefined || !/^[0-9a-f]{64}$/.test(id)) return null;
    const st = statSync(found.path, { bigint: true, throwIfNoEntry: false });
    return st && st.ctimeNs < this.sinceNs - MARGIN_NS ? id : null;
  }

  /** Stops reading, and the pipeline if it is still at work. */
  close(): void {
    if (!this.ended) stopGroup(this.group);
    this.input.destroy();
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
