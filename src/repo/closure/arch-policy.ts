/**
 * Which packages may satisfy a dependency, by architecture, as libsolv decides for dnf: source
 * packages (`src`, `nosrc`) never do, and when dnf runs on (or is forced to) a machine
 * architecture, only packages of that architecture, of the older ones it runs, and `noarch` do.
 * dnf still checks the requirements of every package, whatever its architecture.
 *
 * The compatibility lists are those of the libsolv dnf uses on the reference host (Debian's
 * libsolv 0.7.23, built without the Fedora extras such as `athlon`). A machine not listed runs
 * only its own architecture (and `noarch`).
 *
 * Terminology:
 * - machine architecture: dnf's `arch` (`uname -m`, or `--forcearch`).
 * - installable: may provide something; libsolv's `pool_installable()` without the exclusions.
 */

/** Machine architecture → the architectures it runs, best first (without `noarch`). */
const RUNS: Readonly<Record<string, readonly string[]>> = {
  x86_64: ['x86_64', 'i686', 'i586', 'i486', 'i386'],
  i686: ['i686', 'i586', 'i486', 'i386'],
  i586: ['i586', 'i486', 'i386'],
  i486: ['i486', 'i386'],
  s390x: ['s390x', 's390'],
  ppc64: ['ppc64', 'ppc'],
  ppc64p7: ['ppc64p7', 'ppc64', 'ppc'],
  ia64: ['ia64', 'i686', 'i586', 'i486', 'i386'],
  armv8hcnl: ['armv8hcnl', 'armv8hnl', 'armv8hl', 'armv7hnl', 'armv7hl', 'armv6hl'],
  armv8hnl: ['armv8hnl', 'armv8hl', 'armv7hl', 'armv6hl'],
  armv8hl: ['armv8hl', 'armv7hl', 'armv6hl'],
  armv8l: ['armv8l', 'armv7l', 'armv6l', 'armv5tejl', 'armv5tel', 'armv5tl', 'armv5l', 'armv4tl', 'armv4l', 'armv3l'],
  armv7hnl: ['armv7hnl', 'armv7hl', 'armv6hl'],
  armv7hl: ['armv7hl', 'armv6hl'],
  armv7l: ['armv7l', 'armv6l', 'armv5tejl', 'armv5tel', 'armv5tl', 'armv5l', 'armv4tl', 'armv4l', 'armv3l'],
  armv6l: ['armv6l', 'armv5tejl', 'armv5tel', 'armv5tl', 'armv5l', 'armv4tl', 'armv4l', 'armv3l'],
  armv5tejl: ['armv5tejl', 'armv5tel', 'armv5tl', 'armv5l', 'armv4tl', 'armv4l', 'armv3l'],
  armv5tel: ['armv5tel', 'armv5tl', 'armv5l', 'armv4tl', 'armv4l', 'armv3l'],
  armv5tl: ['armv5tl', 'armv5l', 'armv4tl', 'armv4l', 'armv3l'],
  armv5l: ['armv5l', 'armv4tl', 'armv4l', 'armv3l'],
  armv4tl: ['armv4tl', 'armv4l', 'armv3l'],
  armv4l: ['armv4l', 'armv3l'],
  sh4a: ['sh4a', 'sh4'],
  sparc64v: ['sparc64v', 'sparc64', 'sparcv9v', 'sparcv9', 'sparcv8', 'sparc'],
  sparc64: ['sparc64', 'sparcv9', 'sparcv8', 'sparc'],
  sparcv9v: ['sparcv9v', 'sparcv9', 'sparcv8', 'sparc'],
  sparcv9: ['sparcv9', 'sparcv8', 'sparc'],
  sparcv8: ['sparcv8', 'sparc'],
};

/** Whether a package of `arch` can provide anything: returns a predicate for one machine. */
export type ArchFilter = (arch: string) => boolean;

/**
 * The installability test for a machine architecture, or, when `machine` is undefined, the test
 * that admits every binary architecture (as if every package were built for the machine).
 */
export function archFilter(machine?: string): ArchFilter {
  const isSource = (arch: string): boolean => arch === 'src' || arch === 'nosrc';
  if (machine === undefined) return (arch) => !isSource(arch);
  const runs = new Set(RUNS[machine] ?? [machine]);
  runs.add('noarch');
  return (arch) => !isSource(arch) && runs.has(arch);
}
