/**
 * Platforms: what a build targets. A platform says which architectures its packages are built for,
 * the dist tag and rpm macros every build on it gets, where build dependencies may come from, and
 * where it is in its life (the columns of the AlmaLinux release table).
 *
 * Terminology:
 * - platform: a named build target, e.g. `almalinux-9` or `example-el9`. Its definition is stored
 *   whole (as JSON) and comes from a YAML file (`--config`, `distforge platform add`) or the API.
 * - arch: an RPM architecture a platform builds for: x86_64, aarch64, ppc64le, s390x, i686.
 *   `noarch` in a platform's arches means noarch packages are accepted: a noarch package is built
 *   once, on a node of any of the platform's real arches, and published into every arch's
 *   repository. A platform has at least one real arch.
 * - dist tag: the `%{dist}` suffix of release fields, e.g. `.el9`.
 * - macros: rpm macros (name without `%`, value as rpm would expand it) defined for every build.
 * - repository: a dnf repository the platform's build roots are installed from (and build
 *   dependencies come from).
 * - build root: what each build runs in: the `buildroot.install` base set (default
 *   `@buildsys-build`) and the package's BuildRequires, installed by dnf from the repositories.
 * - lookaside: a cache of source files kept outside git (dist-git `sources` files), as a URL
 *   template with {name} {filename} {hashtype} {HASHTYPE} {hash} (src/lookaside/template.ts).
 * - tests: whether built packages are installed and tested in fresh roots, and whether those
 *   results gate signing.
 * - lifecycle: the platform's row of a release table: version (9.4), codename (Seafoam Ocelot),
 *   upstream base version (the release it rebuilds, "EL 9.4"), kernel, release date, the upstream's
 *   own release date, end of active support and end of security support (YYYY-MM-DD, each the
 *   last day). From them and a day (lifecycle.ts): its state (supported, security-only,
 *   end-of-life) and its lag behind upstream in days.
 * - advisory prefix: the letters advisory ids of the platform start with (`DF` in DFSA-2026:0001;
 *   AlmaLinux's would be `AL`): src/errata.
 */

/** Every architecture distforge knows; `noarch` only as a platform (or node) capability. */
export const ARCHES = ['x86_64', 'aarch64', 'ppc64le', 's390x', 'i686', 'noarch'] as const;
export type Arch = (typeof ARCHES)[number];

/** A repository the platform's build roots are installed from (and build dependencies come from). */
export interface PlatformRepository {
  /** A short name ([A-Za-z0-9._-]+), unique within the platform. */
  name: string;
  /**
   * The repository's base URL (http://, https:// or file://), or a path on this master (`/bootstrap/el9/$basearch/`,
   * made absolute with the master's public URL for nodes); `$basearch` is replaced per arch.
   */
  url: string;
  /** The arches it serves; absent = all of the platform's arches. */
  arches?: Arch[];
  /** dnf checks every package's signature against `gpgkey` (default false). */
  gpgcheck?: boolean;
  /** URL of the repository's public key (same forms as `url`). */
  gpgkey?: string;
}

/** How build roots are made: mock's `chroot_setup_cmd` and dnf's `$releasever`. */
export interface PlatformBuildroot {
  /** Installed first into every root by dnf: package names and `@groups`. Default ["@buildsys-build"]. */
  install: string[];
  /** dnf's `$releasever`; default the major of lifecycle.version, else the digits of the dist tag. */
  releasever?: string;
}

/** A lookaside cache source files are downloaded from, tried in the order the platform lists them. */
export interface PlatformLookaside {
  /** URL template, e.g. `https://src.fedoraproject.org/repo/pkgs/{name}/{filename}/{hashtype}/{hash}/{filename}`. */
  url: string;
}

/** Testing built packages (the test system): present = every built binary package is tested. */
export interface PlatformTests {
  /** Test results gate signing: a build is signed only once every test passed. Default true. */
  gate: boolean;
  /** Time limit of each test script, in seconds. Default 300. */
  timeoutSeconds: number;
  /** Sign a build by itself (with the platform's first allowed key) once every test passed. Default false. */
  autoSign: boolean;
  /** A git repository of tests kept apart from the sources: `NAME/` holds the scripts of binary package NAME. */
  repository?: { url: string; ref: string };
  /** What a test root holds before the package under test (names, `@groups`). Default bash and coreutils. */
  install?: string[];
}

/** Release data, as a distribution's release table (AlmaLinux's, say) lists it. */
export interface PlatformLifecycle {
  /** Release version, e.g. "9.4" (a string: 9.10 is not 9.1). */
  version: string;
  codename?: string;
  /** The upstream release it is based on, e.g. "EL 9.4". */
  upstreamBase?: string;
  /** Kernel version shipped, e.g. "5.14.0-427.13.1.el9_4". */
  kernel?: string;
  /** YYYY-MM-DD: this platform's release. */
  releaseDate?: string;
  /** YYYY-MM-DD: the upstream base's own release (not after releaseDate; their difference is the lag). */
  upstreamReleaseDate?: string;
  /** YYYY-MM-DD: the last day of active support (fixes and updates); security-only after it. */
  endOfActiveSupport?: string;
  /**
   * YYYY-MM-DD: the last day of security support; end-of-life after it. Platform files and API
   * bodies may still call it `endOfSupport` (its name before the two ends were told apart).
   */
  endOfSecuritySupport?: string;
}

/**
 * A release repository: where released packages are published for users, as
 * /repos/PLATFORM/NAME/ARCH/ (with its debuginfo twin ARCH/debug/ and source twin Source/).
 */
export interface PlatformReleaseRepository {
  /** A short name (a letter, then letters, digits, `.`, `_`, `-`), e.g. BaseOS. */
  name: string;
  description?: string;
  /** The real arches it has; absent = all of the platform's. */
  arches?: Arch[];
  /** Binary package names placed here (globs: `*`, `?`, `[…]`), tried in the order repositories are listed. */
  packages?: string[];
  /** Packages no repository's `packages` match go here (one repository at most). */
  default?: boolean;
  /** A debuginfo twin (ARCH/debug) for -debuginfo and -debugsource packages. Default true. */
  debuginfo?: boolean;
  /** A source twin (Source) for the SRPMs of its packages. Default true. */
  source?: boolean;
  /** Another release repository its packages are promoted to (testing → stable) by `release promote`. */
  promoteTo?: string;
  /** Days a package stays here before it may be promoted (default 7 when promoteTo is set). */
  promoteAfterDays?: number;
}

/** How a platform's packages are released (src/releases). */
export interface PlatformReleases {
  repositories: PlatformReleaseRepository[];
  /** Versions of each repository kept addressable (…/@N/); default 5. */
  retention: number;
  /** Seconds a superseded version stays served to clients that read its repomd.xml; default 3600. */
  graceSeconds: number;
  /** Names of the platform's `repositories` released packages may take dependencies from (the closure check). */
  dependencies: string[];
  /** Metadata compression; default zstd (gz for clients older than EL8). */
  compression: 'zstd' | 'gz';
}

/** A platform definition, as the API and YAML files give it. */
export interface Platform {
  name: string;
  arches: Arch[];
  /** e.g. ".el9"; also the `dist` macro unless macros set it. */
  distTag: string;
  /** rpm macros, name (without %) → value. */
  macros: Record<string, string>;
  repositories: PlatformRepository[];
  /** Lookaside caches for dist-git sources (distforge's own store is always tried first). */
  lookaside?: PlatformLookaside[];
  /** Present: each built binary package is installed and tested in a fresh root (test nodes). */
  tests?: PlatformTests;
  lifecycle?: PlatformLifecycle;
  /** How build roots are made (absent: `@buildsys-build`). */
  buildroot?: PlatformBuildroot;
  /** Release repositories (absent: nothing of the platform can be released). */
  releases?: PlatformReleases;
  /** 2–8 uppercase letters advisory ids start with (`AL` → ALSA-2026:0001); absent: `DF` (src/errata). */
  advisoryPrefix?: string;
}

/** A stored platform: its definition and when it was created and last changed. */
export interface StoredPlatform extends Platform {
  createdAt: number;
  updatedAt: number;
}

/** The real arches a platform builds on (its arches without noarch). */
export function buildArches(p: Pick<Platform, 'arches'>): Arch[] {
  return p.arches.filter((a) => a !== 'noarch');
}

/** Whether the platform accepts noarch packages. */
export function acceptsNoarch(p: Pick<Platform, 'arches'>): boolean {
  return p.arches.includes('noarch');
}
