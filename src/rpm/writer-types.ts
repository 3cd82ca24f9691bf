/**
 * What the RPM writer takes: a package described as plain data ({@link RpmSpec}).
 *
 * Terminology:
 * - spec: the description of one package to write (not an rpmbuild .spec file).
 * - EVR: `[epoch:]version[-release]`, the version part of a dependency.
 * - payload: the cpio archive of the files, compressed with {@link RpmSpec.compressor}.
 * - source package: an SRPM (`arch: 'src'`); its files are bare names (`foo.spec`, `foo.tar.gz`).
 */

/** One dependency (requires, provides, …) as rpm stores it. */
export interface RpmSpecDependency {
  /** Name, e.g. `bash`, `libfoo.so.1()(64bit)`, `/usr/bin/python3` or a rich dependency `(a or b)`. */
  name: string;
  /**
   * Sense bits ({@link Sense} in tags.ts): LESS, GREATER, EQUAL plus qualifiers such as PREREQ or
   * SCRIPT_POST. Must have a comparison bit exactly when `evr` is given. Default 0 (any version).
   */
  flags?: number;
  /** `[epoch:]version[-release]`, e.g. `2:1.4-3.el9`. */
  evr?: string;
}

/** One file, directory or symlink of the package. */
export interface RpmSpecFile {
  /**
   * Absolute, normalised path (`/usr/bin/foo`): no `.` or `..` segments, no `//`, no trailing `/`.
   * In a source package: a bare file name (`foo.spec`).
   */
  path: string;
  /**
   * File type and permission bits (`0o100755`, `0o40755`, `0o120777`). Permission bits alone
   * (`0o755`) take the type from the other fields: symlink when `linkto` is set, else regular file.
   * Default: `0o120777` for a symlink, else `0o100644`.
   */
  mode?: number;
  /** Content of a regular file (a string is written as UTF-8). Default empty. */
  data?: Buffer | string;
  /** Target of a symlink (required for symlinks, forbidden otherwise). */
  linkto?: string;
  /** Owner name. Default `root`. */
  user?: string;
  /** Group name. Default `root`. */
  group?: string;
  /** Modification time in seconds since the epoch. Default: the package's build time. */
  mtime?: number;
  /** File flags ({@link FileFlag}: CONFIG, DOC, NOREPLACE, GHOST, LICENSE…). GHOST files have no payload. */
  flags?: number;
  /** Language of the file (`de`), for `%lang`. Default empty. */
  lang?: string;
}

/** One changelog entry. rpm keeps them newest first; the writer keeps the order given. */
export interface RpmSpecChangelogEntry {
  /** Seconds since the epoch (rpmbuild stores noon of the day). */
  time: number;
  /** `Name <email> - version-release`, as in a spec's `%changelog`. */
  author: string;
  text: string;
}

/** One scriptlet. */
export interface RpmSpecScriptlet {
  /** Body of the script; may be empty when only the interpreter runs (`%post -p /sbin/ldconfig`). */
  script: string;
  /**
   * Interpreter: an absolute path, or path plus arguments as a list, or `<lua>`. Default `/bin/sh`.
   * Like rpmbuild, the writer adds a requirement on the interpreter (INTERP plus the script's bit).
   */
  interpreter?: string | string[];
}

/** Scriptlets by the stage they run in. */
export interface RpmSpecScriptlets {
  pretrans?: RpmSpecScriptlet;
  prein?: RpmSpecScriptlet;
  postin?: RpmSpecScriptlet;
  preun?: RpmSpecScriptlet;
  postun?: RpmSpecScriptlet;
  posttrans?: RpmSpecScriptlet;
}

/** When a file trigger runs, relative to the packages whose files it watches (rpm's sense bits). */
export type RpmSpecFileTriggerType = 'in' | 'un' | 'postun';

/**
 * A file trigger (`%filetriggerin -- /usr/lib`) or, with `transaction`, a transaction file trigger
 * (`%transfiletriggerin`): a script run when packages install or remove files under `paths`.
 * A per-package trigger runs once per package with matching files; a transaction trigger once per
 * transaction (in: after it, un/postun: before/after the removals). The matching paths are given
 * to the script on standard input.
 */
export interface RpmSpecFileTrigger {
  type: RpmSpecFileTriggerType;
  /** `%transfiletrigger*` when true, `%filetrigger*` otherwise. */
  transaction?: boolean;
  /** Absolute path prefixes the trigger watches (at least one). */
  paths: string[];
  /** Body of the script; may be empty when only the interpreter runs (`-p /sbin/ldconfig`). */
  script: string;
  /** Interpreter: one absolute path (rpm stores no arguments for triggers) or `<lua>`. Default `/bin/sh`. */
  interpreter?: string;
  /** `-P`: higher runs first. Default 1000000, as rpmbuild. */
  priority?: number;
}

/** Payload compression methods the writer offers. */
export type RpmSpecCompressor = 'gzip' | 'zstd' | 'none';

/** Dependency kinds, in the names rpm uses for its query tags. */
export type RpmSpecDependencyKind =
  | 'requires'
  | 'provides'
  | 'conflicts'
  | 'obsoletes'
  | 'recommends'
  | 'suggests'
  | 'supplements'
  | 'enhances'
  | 'orderwithrequires';

/** Everything needed to write one RPM package. Optional fields take rpmbuild's defaults. */
export interface RpmSpec {
  name: string;
  /** Non-negative integer epoch; absent means no EPOCH tag. */
  epoch?: number;
  version: string;
  release: string;
  /** `x86_64`, `noarch`, `aarch64`, … or `src` for a source package. */
  arch: string;
  /** For a source package: the build host's arch stored in its ARCH tag (rpmbuild does). Default `x86_64`. */
  buildArch?: string;
  summary: string;
  description: string;
  license: string;
  url?: string;
  bugurl?: string;
  vendor?: string;
  packager?: string;
  distribution?: string;
  /** Default `Unspecified`. */
  group?: string;
  /** Default `localhost`. */
  buildhost?: string;
  /** Seconds since the epoch. Default: now. */
  buildtime?: number;
  /** Default `NAME-VERSION-RELEASE.src.rpm` for binary packages; never written for source packages. */
  sourcerpm?: string;
  /** Default `linux` (the only OS rpm on Linux installs). */
  os?: string;
  /** PLATFORM tag. Default `ARCH-redhat-linux-gnu`. */
  platform?: string;
  /** OPTFLAGS tag. Default `-O2 -g`. */
  optflags?: string;
  requires?: RpmSpecDependency[];
  provides?: RpmSpecDependency[];
  conflicts?: RpmSpecDependency[];
  obsoletes?: RpmSpecDependency[];
  recommends?: RpmSpecDependency[];
  suggests?: RpmSpecDependency[];
  supplements?: RpmSpecDependency[];
  enhances?: RpmSpecDependency[];
  orderwithrequires?: RpmSpecDependency[];
  files?: RpmSpecFile[];
  changelog?: RpmSpecChangelogEntry[];
  scripts?: RpmSpecScriptlets;
  /** File triggers and transaction file triggers, in the order a spec would list them. */
  fileTriggers?: RpmSpecFileTrigger[];
  /** Default `gzip`. */
  compressor?: RpmSpecCompressor;
  /** Compression level: gzip 1–9 (default 9), zstd 1–19 (default 19). Recorded in PAYLOADFLAGS. */
  compressionLevel?: number;
}

/** The dependency kinds of {@link RpmSpec}, in a stable order. */
export const SPEC_DEPENDENCY_KINDS: readonly RpmSpecDependencyKind[] = [
  'requires',
  'provides',
  'conflicts',
  'obsoletes',
  'recommends',
  'suggests',
  'supplements',
  'enhances',
  'orderwithrequires',
];
