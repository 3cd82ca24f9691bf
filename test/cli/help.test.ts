/**
 * The real `bin/distforge` loads only the command group it runs (each group is its own chunk of
 * the bundle). These check that the help still lists every group, that every group loads and
 * describes itself, and that a mistyped command is still a clear error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../support/cli.ts';

const GROUPS = ['rpm', 'repo', 'server', 'node', 'platform', 'token', 'build', 'up', 'git', 'sources', 'key', 'signer', 'bootstrap', 'release', 'errata', 'store'];

test('distforge --help lists every command group with its summary', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const g of GROUPS) assert.match(r.stdout, new RegExp(`^  ${g} +\\S`, 'm'), `${g} in:\n${r.stdout}`);
  assert.match(r.stdout, /^ {2}build +submit and follow builds$/m);
});

test('each group loads and shows its own help with its summary and subcommands', async () => {
  const results = await Promise.all(GROUPS.map(async (g) => [g, await runCli([g, '--help'])] as const));
  for (const [g, r] of results) {
    assert.equal(r.code, 0, `${g}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: distforge ${g} `, 'm'), `${g}:\n${r.stdout}`);
    assert.equal(r.stderr, '');
  }
  const build = Object.fromEntries(results)['build']!;
  assert.match(build.stdout, /^submit and follow builds$/m);
  assert.match(build.stdout, /^ {2}submit \[options\]/m);
  const node = Object.fromEntries(results)['node']!;
  assert.match(node.stdout, /^ {2}run \[options\]/m, 'node keeps its run subcommand');
});

test('help GROUP is GROUP --help; a subcommand of a group has its own help', async () => {
  const viaHelp = await runCli(['help', 'release']);
  const direct = await runCli(['release', '--help']);
  assert.equal(viaHelp.code, 0, viaHelp.stderr);
  assert.equal(viaHelp.stdout, direct.stdout);
  const sub = await runCli(['repo', 'create', '--help']);
  assert.equal(sub.code, 0, sub.stderr);
  assert.match(sub.stdout, /^Usage: distforge repo create \[options\] <dir>/m);
});

test('bad input: an unknown command or subcommand is one clear error, exit 2', async () => {
  const typo = await runCli(['biuld', 'list']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown command 'biuld'/);
  assert.match(typo.stderr, /Did you mean build\?/);
  const sub = await runCli(['build', 'lsit']);
  assert.equal(sub.code, 2);
  assert.match(sub.stderr, /unknown command 'lsit'/);
  const opt = await runCli(['--frobnicate']);
  assert.equal(opt.code, 2);
  assert.match(opt.stderr, /unknown option '--frobnicate'/);
  for (const r of [typo, sub, opt]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
