/**
 * Makes the fixtures the build tests share (the bootstrap repository, test/support/bootstrap-repo.ts)
 * ahead of them: scripts/test.sh starts this beside the first test files, so that on a fresh clone
 * the minutes it takes overlap with tests that do not need it. Tests that need it wait on the same
 * lock and then take it as made; when this fails, the first of them tries again and fails with
 * the reason.
 */
import { bootstrapRepo } from './bootstrap-repo.ts';

const started = Date.now();
const dir = await bootstrapRepo();
console.log(`test fixtures ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${dir}`);
