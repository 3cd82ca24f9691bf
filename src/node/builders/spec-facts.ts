/**
 * What a package says about building, found out on the node, in the sandbox, as the srpm task's
 * part of the build order: the source package's name and BuildRequires (from the SRPM's header:
 * rpmbuild evaluated the spec there) and everything its binary packages provide (`rpmspec -q
 * --provides` on the spec, with the platform's macros). The master never evaluates a spec: it
 * orders the build from these facts (src/builds/dep-graph.ts).
 *
 * rpmspec runs like rpmbuild: in the build sandbox as the sandbox user, with the spec-evaluation
 * limits and a time limit, so `%(...)` and `%{lua: ...}` in a spec or a platform macro reach
 * nothing but the sandbox.
 */
import { formatDependency, readPackageSync } from '../../rpm/index.ts';
import { SPEC_EVALUATION_LIMITS } from '../../sandbox/index.ts';
import { BuildFailedError } from '../errors.ts';
import type { RunOptions } from '../run.ts';
import { lastLines } from '../run.ts';
import { runInSandbox } from '../sandbox.ts';
import { defineArgs } from '../macros.ts';
import { sandboxFor, type BuildRoot } from './build-root.ts';

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

function distinctLines(text: string): string[] {
  return [...new Set(text.split('\n').map((l) => l.trim()).filter((l) => l !== ''))];
}

/** The name and BuildRequires of a source RPM, from its header. */
export function srpmBuildFacts(srpmPath: string): Pick<SpecFacts, 'packageName' | 'buildRequires'> {
  const pkg = readPackageSync(srpmPath);
  const buildRequires = pkg.requires.filter((d) => !d.qualifiers.includes('rpmlib')).map(formatDependency);
  return { packageName: pkg.name, buildRequires: [...new Set(buildRequires)] };
}

/**
 * `rpmspec -q --provides` of the spec at `specInSandbox` (a path inside the sandbox), with
 * `macros`, in the build root's sandbox.
 * @throws BuildFailedError naming rpmspec's reason (or the time limit)
 */
export async function specProvides(root: BuildRoot, hostname: string, specInSandbox: string, macros: Record<string, string>, run: RunOptions): Promise<string[]> {
  const r = await runInSandbox(sandboxFor(root, hostname, SPEC_EVALUATION_LIMITS), ['rpmspec', '-q', '--provides', ...defineArgs(macros), specInSandbox], {
    ...run,
    timeoutMs: SPEC_QUERY_TIMEOUT_MS,
  });
  if (r.timedOut) throw new BuildFailedError(`rpmspec took more than ${SPEC_QUERY_TIMEOUT_MS / 1000} s on the spec`, { logPath: root.logPath });
  if (r.code !== 0) {
    const why = lastLines(r.output, 3).join(' / ') || `exit ${String(r.code ?? r.signal)}`;
    throw new BuildFailedError(`rpmspec cannot read the spec: ${why}`, { logPath: root.logPath });
  }
  return distinctLines(r.stdout);
}
