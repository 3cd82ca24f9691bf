/**
 * What a test node reports for a test task, without running anything: every binary package of
 * the task's rpm task with its four stages, all passed, or the first package failed in `tests`
 * (`run.sh: not ok 2 - says hello`). Tests of the test system's users (signing, the web UI) lease
 * test tasks over the node API with a NodeClient and hand them here.
 */
import type { NodeClient } from '../../src/node/client.ts';
import type { LeasedTask } from '../../src/node/types.ts';

/** The failure reason a failed stand-in test gives, for the first package `name`. */
export function standInFailure(name: string): string {
  return `tests failed: ${name}.noarch tests: run.sh: not ok 2 - says hello`;
}

/** Completes (pass) or fails (fail) the leased test task `t` with each package's stages. */
export async function reportStandInTest(tester: NodeClient, t: LeasedTask, outcome: 'pass' | 'fail'): Promise<void> {
  const names = t.dependencies.flatMap((d) => d.artifacts).filter((a) => a.kind === 'rpm').map((a) => a.name.replace(/-[^-]+-[^-]+\.noarch\.rpm$/, ''));
  const stage = (name: string, state: string, detail: string) => ({ name, state, detail });
  const packages = names.map((name, i) => ({
    package: name,
    arch: 'noarch',
    state: outcome === 'fail' && i === 0 ? 'failed' : 'passed',
    stages: [stage('install', 'passed', 'installed'), stage('integrity', 'passed', 'rpm -V: no changes'), outcome === 'fail' && i === 0 ? stage('tests', 'failed', 'run.sh: not ok 2 - says hello') : stage('tests', 'passed', '1 script(s) passed'), stage('uninstall', 'passed', 'removed')],
  }));
  if (outcome === 'pass') await tester.complete(t.id, { packages });
  else await tester.fail(t.id, standInFailure(names[0] ?? '?'), { packages });
}
