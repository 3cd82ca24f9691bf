/**
 * The entry point bin/distforge runs `distforge repo …` from: the `repo` group alone, bundled as
 * one CommonJS file that run-cached.ts loads with a V8 code cache (the group's commands, `repo
 * create` above all, are short runs whose start is a large share of their time). It behaves as
 * main.ts does for these arguments.
 */
import { GROUP_SUMMARIES } from './group-summaries.ts';
import { runProgram } from './program.ts';
import { repoCommand } from './repo.ts';

void runProgram(process.argv.slice(2), [{ name: 'repo', summary: GROUP_SUMMARIES.repo, load: () => Promise.resolve(repoCommand()) }]).then((code) => {
  process.exitCode = code;
});
