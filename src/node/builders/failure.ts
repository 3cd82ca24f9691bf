/**
 * Turning the output of a failed rpm or rpmbuild run into the one-line reason a user reads in the
 * build's page: every missing build dependency by name, or the stage that failed and what the
 * build printed just before.
 */

/** One unmet dependency as rpm reports it (`X is needed by Y`). */
export interface UnmetDependency {
  requirement: string;
  neededBy: string;
}

/** The `X is needed by Y` lines of rpm's "Failed (build) dependencies:" report. */
export function unmetDependencies(output: string): UnmetDependency[] {
  const out: UnmetDependency[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s+(.+?) is needed by (\S+)\s*$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.push({ requirement: m[1], neededBy: m[2] });
  }
  return out;
}

/** The `X conflicts with Y` lines of rpm's report (BuildConflicts). */
export function conflicts(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s+(.+? conflicts with \S+)\s*$/.exec(line);
    if (m?.[1] !== undefined) out.push(m[1]);
  }
  return out;
}

/** `missing build dependencies: a, b >= 1.0, c (needed by libx-1.0-1.x86_64)`. */
export function missingDependenciesReason(missing: readonly { requirement: string; neededBy: string | null }[]): string {
  const parts = missing.map((m) => (m.neededBy === null ? m.requirement : `${m.requirement} (needed by ${m.neededBy})`));
  return `missing build dependencies: ${[...new Set(parts)].join(', ')}`;
}

/** Lines rpmbuild prints that tell nothing about why a build failed (shell traces, rpm's chatter). */
function isNoise(line: string): boolean {
  return (
    line.trim() === '' ||
    /^\++ /.test(line) ||
    /^(Executing|Installing|Processing|Provides|Requires|Wrote|Checking|rpm: )/.test(line) ||
    /^RPM build (errors|warnings):$/.test(line)
  );
}

/**
 * The reason of a failed rpmbuild run: the stage (`%build`, `%install` …) and up to three lines
 * the stage printed before rpmbuild's error, or rpmbuild's own error lines.
 */
export function rpmbuildFailureReason(output: string, code: number | null): string {
  const lines = output.split('\n').map((l) => l.trimEnd());
  const bad = lines.findIndex((l) => /^error: Bad exit status from .*\((%\w+)\)$/.test(l));
  if (bad >= 0) {
    const stage = /\((%\w+)\)$/.exec(lines[bad] ?? '')?.[1] ?? 'a build stage';
    const start = lines.slice(0, bad).findLastIndex((l) => l.startsWith(`Executing(${stage})`));
    const before = lines.slice(start + 1, bad).filter((l) => !isNoise(l)).slice(-3);
    return `rpmbuild failed in ${stage}${before.length > 0 ? `: ${before.join(' / ')}` : ''}`;
  }
  const errors = lines.filter((l) => l.startsWith('error: ')).map((l) => l.slice('error: '.length));
  if (errors.length > 0) return `rpmbuild failed: ${errors.slice(0, 3).join(' / ')}`;
  const tail = lines.filter((l) => !isNoise(l)).slice(-3);
  return `rpmbuild failed (exit ${code ?? 'by signal'})${tail.length > 0 ? `: ${tail.join(' / ')}` : ''}`;
}
