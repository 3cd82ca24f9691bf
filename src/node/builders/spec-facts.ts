/**
 * What a package says about building, found out on the node, in the sandbox, as the srpm task's
 * part of the build order: the source package's name and BuildRequires (from the SRPM's header:
 * rpmbuild evaluated the spec there) and everything its binary packages provide (`rpmspec -q
 * --provides` on the spec, with the platform's macros). The master never evaluates a spec: it
 * orders the build from these facts (src/builds/dep-graph.ts).
 *
 * rpmspec runs like rpmbuild, in the task's build root as the sandbox user, with the
 * spec-evaluation limits and a time limit (rpmbuild-root.ts), so `%(...)` and `%{lua: ...}` in a
 * spec or a platform macro reach nothing but the sandbox.
 */
import { formatDependency, readPackageSync } from '../../rpm/index.ts';

/** What the build order needs to know of a package. */
export interface SpecFacts {
  /** Source package name. */
  packageName: string;
  /** BuildRequires as rpm prints them (`name`, `name >= 1.0`, rich dependencies), without rpmlib(). */
  buildRequires: string[];
  /** What the binary packages provide (their names included), as rpmspec prints them. */
  provides: string[];
}

/** How long rpmspec may take on one spec. */
export const SPEC_QUERY_TIMEOUT_MS = 120_000;

/** The name and BuildRequires of a source RPM, from its header. */
export function srpmBuildFacts(srpmPath: string): Pick<SpecFacts, 'packageName' | 'buildRequires'> {
  const pkg = readPackageSync(srpmPath);
  const buildRequires = pkg.requires.filter((d) => !d.qualifiers.includes('rpmlib')).map(formatDependency);
  return { packageName: pkg.name, buildRequires: [...new Set(buildRequires)] };
}
