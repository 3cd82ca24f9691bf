/**
 * The bootstrap platform repository: what it is made of and what making it returns.
 *
 * Terminology:
 * - bootstrap repository: a dnf repository of RPMs named and providing as an EL9 build root's
 *   packages do, made here by repackaging Debian 12 packages (this host's archive). A stand-in for
 *   a real EL9 repository where none is reachable; labelled a bootstrap, never AlmaLinux.
 * - deb: one Debian binary package (`libc6`), at the version apt's lists give as candidate.
 * - EL package: one package of the repository, named as EL9 names it (`glibc`), made from the
 *   files of one or more debs, or from content we write (filesystem, setup, redhat-rpm-config…).
 * - manifest: the TypeScript table (manifest/) saying, for each EL package, which debs (or which
 *   paths of them) it is made from, and the Provides, Requires and symlinks EL needs besides what
 *   rpm's generators find in the files.
 * - seed: a deb the manifest names; apt resolves the seeds' dependency closure.
 * - claim: an EL package taking a deb's file. Every kept file of a used deb is claimed by exactly
 *   one EL package: first by `paths` globs, the rest by the package naming the deb plainly.
 * - staging: a per-package directory tree (hard links of the unpacked debs' files) that rpm's
 *   dependency generators (`rpmdeps`) read, as rpmbuild reads a buildroot.
 * - cache: downloaded debs, apt's resolution and the made RPMs, each under a key of everything
 *   that decides it, so an unchanged run only links files and writes metadata.
 */
import type { RpmSpecFileTrigger, RpmSpecScriptlets } from '../rpm/writer.ts';

/** The architectures a bootstrap repository can be made for (from this host's Debian packages). */
export const BOOTSTRAP_ARCHES = ['x86_64'] as const;
export type BootstrapArch = (typeof BOOTSTRAP_ARCHES)[number];

/** One step of making the repository, reported to {@link BootstrapOptions.progress}. */
export interface BootstrapProgress {
  phase: 'resolve' | 'download' | 'unpack' | 'package' | 'repository';
  message: string;
}

/** What {@link makeBootstrapRepo} takes. */
export interface BootstrapOptions {
  /** The repository directory to write (RPMs in Packages/, metadata in repodata/). Created if missing. */
  outDir: string;
  /** Where downloaded debs, apt's resolution and made RPMs are kept for the next run. Default OUT/.bootstrap-cache. */
  cacheDir?: string;
  /** Where downloaded debs are kept, when they should outlive {@link cacheDir} (tests). Default CACHE/debs. */
  debCacheDir?: string;
  /** Default x86_64, the only one supported. */
  arch?: string;
  /** Called at each step; default silent. */
  progress?: (p: BootstrapProgress) => void;
  /** Packages made at once (rpmdeps and compression run beside each other). Default: the number of cores. */
  concurrency?: number;
}

/** One package of the made repository. */
export interface BootstrapPackage {
  name: string;
  /** `name-[epoch:]version-release.arch`. */
  nevra: string;
  /** Path of the RPM file, inside the repository directory. */
  file: string;
  /** The debs it is made from (empty for our own packages). */
  debs: string[];
}

/** One deb apt resolved. */
export interface BootstrapDeb {
  name: string;
  version: string;
  /** Repackaged into some EL package (false: in apt's closure but not needed by an EL9 root). */
  used: boolean;
  sha256: string;
  size: number;
}

/** What {@link makeBootstrapRepo} returns. */
export interface BootstrapResult {
  repoDir: string;
  packages: BootstrapPackage[];
  /** Groups written into comps.xml (`buildsys-build` and its members). */
  groups: { id: string; packages: string[] }[];
  debs: BootstrapDeb[];
  /** Packages made by this run (the others came from the cache). */
  made: number;
  /** Total size of the RPM files, in bytes. */
  bytes: number;
  /** Milliseconds the run took. */
  ms: number;
}

/**
 * Where an EL package's files come from: a deb's name (every file of it not claimed by a `paths`
 * source elsewhere), or a deb and globs of the normalised paths to take from it.
 */
export type DebSource = string | { deb: string; paths: string[] };

/** A file we write ourselves into an EL package. */
export interface OwnFile {
  path: string;
  /** Content of a regular file; absent for a directory. */
  data?: string;
  /** Permission bits; default 0644 for files, 0755 for directories. */
  mode?: number;
  /** A directory entry (with `data` absent). */
  dir?: boolean;
  /** %config(noreplace): default true under /etc. */
  config?: boolean;
  /** %ghost: listed, not in the payload. */
  ghost?: boolean;
}

/**
 * One EL package of the manifest. Globs (`paths`, `exclude`) match normalised paths (merged /usr):
 * `*` within a path segment, `**` across segments, `?` one character.
 */
export interface ElPackageDef {
  /** The EL9 package name. */
  name: string;
  /** The debs it is made from; its version is the first deb's. Empty for our own packages. */
  from?: DebSource[];
  /** Version of our own packages (those without `from`). */
  version?: string;
  /** Epoch, where EL's package has one that version comparisons rely on (perl: 4). Default: the deb's. */
  epoch?: number;
  /** One line; default: the first deb's Debian summary. */
  summary?: string;
  /** Default: "Distributable; see /usr/share/licenses/NAME" (the Debian copyright files kept there). */
  license?: string;
  /** Default: noarch when every deb is `Architecture: all` (own packages: x86_64). */
  arch?: 'noarch' | 'x86_64';
  /** Provides besides the generated ones and `name = EVR` (`/bin/sh`, `pkgconfig`, `perl(:VERSION) = 5.36.0`). */
  provides?: string[];
  /** Requires besides the generated ones: what the files cannot say (gcc needs binutils). */
  requires?: string[];
  /** Symbolic links to add: path → target (Debian's update-alternatives links, EL's names). */
  symlinks?: Record<string, string>;
  /** Files we write. */
  files?: OwnFile[];
  /** Files copied from a deb to another path of this package (the deb's file stays where it is claimed). */
  copies?: { deb: string; from: string; to: string }[];
  /** Globs of paths left out of this package. */
  exclude?: string[];
  /** rpm's `%__requires_exclude` regular expression: generated Requires to drop. */
  requiresExclude?: string;
  /** rpm's `%__provides_exclude` regular expression: generated Provides to drop. */
  providesExclude?: string;
  scripts?: RpmSpecScriptlets;
  fileTriggers?: RpmSpecFileTrigger[];
}

/** A group of comps.xml. */
export interface GroupDef {
  id: string;
  name: string;
  description: string;
  packages: string[];
}
