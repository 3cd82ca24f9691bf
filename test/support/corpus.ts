/** Paths of the shared, read-only test corpus (real RPMs and keys from rpm's and createrepo_c's test suites). */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CORPUS_DIR = resolve(import.meta.dirname, '../../../shared/corpus');
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
