/**
 * Joins the three package files into whole packages: primary.xml's packages, completed with their
 * files from filelists.xml and changelogs from other.xml, matched by pkgId.
 *
 * createrepo_c writes the three files in the same package order, so the join reads them in
 * lockstep, holding one chunk's worth of packages of each. Only if an entry does not come when expected does it
 * set entries aside (by pkgId) until their package comes; memory then grows with the disorder.
 * Each follower file is read to its end, so its checksum is verified even when primary.xml ends
 * first.
 *
 * Terminology:
 * - follower: filelists.xml or other.xml, read along with primary.xml.
 * - entry: a follower's record of one package (pkgId, name, arch, EVR, and files or changelogs).
 */
import { repoNevra } from '../model.ts';
import type { RepoPackage } from '../model.ts';
import { RepoReadError } from '../errors.ts';
import type { PackageEntryId } from './package-entry.ts';

/** A follower file being read along with primary.xml, in batches of entries. */
export class Follower<T extends PackageEntryId> {
  readonly #file: string;
  readonly #batches: AsyncIterator<T[]>;
  /** The batch being read, and the next entry in it. */
  #batch: T[] = [];
  #index = 0;
  /** Entries read ahead of their package, by pkgId (a pkgId may repeat: the same file twice). */
  readonly #waiting = new Map<string, T[]>();
  #ended = false;

  constructor(batches: AsyncIterable<T[]>, file: string) {
    this.#batches = batches[Symbol.asyncIterator]();
    this.#file = file;
  }

  /** How many entries are set aside (0 while the files are in the same order). */
  get waiting(): number {
    let n = 0;
    for (const list of this.#waiting.values()) n += list.length;
    return n;
  }

  /**
   * The entry of `pkg` if it is at hand (next in line, or set aside earlier), without waiting;
   * undefined when it is not. The common, in-order case needs no asynchronous step.
   */
  takeNow(pkg: RepoPackage): T | undefined {
    if (this.#waiting.size > 0) {
      const list = this.#waiting.get(pkg.pkgId);
      const entry = list?.shift();
      if (entry !== undefined) {
        if (list?.length === 0) this.#waiting.delete(pkg.pkgId);
        return this.#check(pkg, entry);
      }
    }
    const next = this.#batch[this.#index];
    if (next === undefined || next.pkgId !== pkg.pkgId) return undefined;
    this.#index++;
    return this.#check(pkg, next);
  }

  /** The entry of `pkg`; a RepoReadError naming the follower if it has none or disagrees on NEVRA. */
  async take(pkg: RepoPackage): Promise<T> {
    const now = this.takeNow(pkg);
    if (now !== undefined) return now;
    for (;;) {
      // Entries before pkg's are set aside for the packages they belong to.
      for (let entry = this.#batch[this.#index]; entry !== undefined; entry = this.#batch[this.#index]) {
        this.#index++;
        if (entry.pkgId === pkg.pkgId) return this.#check(pkg, entry);
        const list = this.#waiting.get(entry.pkgId);
        if (list) list.push(entry);
        else this.#waiting.set(entry.pkgId, [entry]);
      }
      if (!(await this.#nextBatch())) break;
    }
    throw new RepoReadError(this.#file, `no entry for package ${repoNevra(pkg)} (pkgid ${pkg.pkgId}) of primary.xml`);
  }

  /** Reads to the end (so the file's checksum is checked); entries primary.xml lacks are ignored. */
  async finish(): Promise<void> {
    while (await this.#nextBatch());
    this.#waiting.clear();
  }

  /** Stops reading early (closes the file). */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#batches.return?.();
  }

  /** Moves to the next batch; false at the end of the file. */
  async #nextBatch(): Promise<boolean> {
    if (this.#ended) return false;
    const next = await this.#batches.next();
    if (next.done) {
      this.#ended = true;
      this.#batch = [];
      this.#index = 0;
      return false;
    }
    this.#batch = next.value;
    this.#index = 0;
    return true;
  }

  #check(pkg: RepoPackage, entry: T): T {
    if (entry.name !== pkg.name || entry.arch !== pkg.arch || entry.epoch !== pkg.epoch || entry.version !== pkg.version || entry.release !== pkg.release) {
      throw new RepoReadError(
        this.#file,
        `entry for pkgid ${pkg.pkgId} is ${repoNevra(entry)}, but primary.xml says ${repoNevra(pkg)}`,
      );
    }
    return entry;
  }
}

/**
 * Whole packages: each of `primary`'s (given in batches), with `files` from `filelists` and
 * `changelogs` from `other` when given (otherwise primary's file subset and no changelogs).
 */
export async function* joinPackages(
  primary: AsyncIterable<RepoPackage[]>,
  filelists: Follower<PackageEntryId & { files: RepoPackage['files'] }> | null,
  other: Follower<PackageEntryId & { changelogs: RepoPackage['changelogs'] }> | null,
): AsyncGenerator<RepoPackage, void, undefined> {
  let complete = false;
  try {
    for await (const batch of primary) {
      for (const pkg of batch) {
        if (filelists) pkg.files = (filelists.takeNow(pkg) ?? (await filelists.take(pkg))).files;
        if (other) pkg.changelogs = (other.takeNow(pkg) ?? (await other.take(pkg))).changelogs;
        yield pkg;
      }
    }
    await filelists?.finish();
    await other?.finish();
    complete = true;
  } finally {
    if (!complete) {
      await filelists?.close().catch(() => undefined);
      await other?.close().catch(() => undefined);
    }
  }
}
