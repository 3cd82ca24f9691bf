/** Paths of the shared, read-only test corpus (real RPMs and keys from rpm's and createrepo_c's test suites). */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * `shared/corpus` beside the project's checkout, or beside a folder above it (a git worktree
 * such as /work/wt/NAME sits one level deeper than the main checkout).
 */
function findCorpus(): string {
  for (let dir = resolve(import.meta.dirname, '../../..'); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared/corpus');
    if (existsSync(join(candidate, 'rpm'))) return candidate;
    if (dirname(dir) === dir) throw new Error('no shared/corpus beside the checkout or above it');
  }
}

export const CORPUS_DIR = findCorpus();
export const CORPUS_KEYS = join(CORPUS_DIR, 'keys');

/** Every RPM of the corpus, sorted. */
export const CORPUS_RPMS: string[] = ['rpm-tests', 'createrepo_c-tests'].flatMap((d) =>
  readdirSync(join(CORPUS_DIR, 'rpm', d))
    .filter((f) => f.endsWith('.rpm'))
    .sort()
    .map((f) => join(CORPUS_DIR, 'rpm', d, f)),
);

/** A corpus RPM by file name. */
export function corpusRpm(name: string): string {
  const f = CORPUS_RPMS.find((p) => p.endsWith(`/${name}`));
  if (!f) throw new Error(`no corpus file ${name}`);
  return f;
}

/** A corpus key file by name. */
export function corpusKey(name: string): string {
  return join(CORPUS_KEYS, name);
}
