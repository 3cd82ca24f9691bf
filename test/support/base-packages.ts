/** The base example packages (src/testsystem/base-packages.ts) built with rpmbuild for tests. */
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { BASE_PACKAGE_DIRS } from '../../src/testsystem/base-packages.ts';
import { rpmbuild } from './rpmbuild.ts';

const EXAMPLES = resolve(import.meta.dirname, '../../examples/packages');

/**
 * Builds each base package from examples/packages/ (its spec and the other files as sources) in a
 * topdir under `work`, and copies the binary RPMs into `repo` (made if missing).
 */
export function buildBasePackages(work: string, repo: string): void {
  mkdirSync(repo, { recursive: true });
  for (const dir of BASE_PACKAGE_DIRS) {
    const from = join(EXAMPLES, dir);
    const files = readdirSync(from);
    const specFile = files.find((f) => f.endsWith('.spec')) ?? '';
    const sources = Object.fromEntries(files.filter((f) => f !== specFile).map((f) => [f, readFileSync(join(from, f))]));
    for (const rpm of rpmbuild(work, basename(specFile, '.spec'), readFileSync(join(from, specFile), 'utf8'), sources)) {
      if (!rpm.endsWith('.src.rpm')) copyFileSync(rpm, join(repo, basename(rpm)));
    }
  }
}
