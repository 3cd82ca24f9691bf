/**
 * The live progress reporter (src/cli/progress.ts) on a stand-in terminal: nothing at all when
 * the output is not a terminal, with --json or TERM=dumb; on a terminal, status lines redrawn in
 * place and cleared at the end, permanent lines above them, lines cut to the width, no colour
 * with NO_COLOR, and a server's control characters never reaching the terminal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bar, formatElapsed, Progress, type ProgressStream } from '../../src/cli/progress.ts';
import { screen } from '../support/terminal.ts';

class FakeTerminal implements ProgressStream {
  out = '';
  constructor(
    readonly isTTY: boolean,
    public columns = 80,
  ) {}
  write(text: string): boolean {
    this.out += text;
    return true;
  }
}

const TTY_ENV = { TERM: 'xterm', LANG: 'C.UTF-8' };

test('not a terminal, --json or TERM=dumb: permanent lines byte for byte, nothing else', () => {
  for (const [stream, options] of [
    [new FakeTerminal(false), {}],
    [new FakeTerminal(true), { json: true }],
    [new FakeTerminal(true), { env: { TERM: 'dumb' } }],
  ] as const) {
    const p = new Progress({ stream, tick: false, env: TTY_ENV, ...options });
    assert.equal(p.live, false);
    p.status(() => ['build 1 [----] 0/2 tasks done']);
    p.note(['task 3 failed']);
    p.print('build 1: waiting for its tests \x1b[31m');
    p.end();
    assert.equal(stream.out, 'build 1: waiting for its tests \x1b[31m\n');
  }
});

test('on a terminal: status redrawn in place, permanent lines above it, cleared at the end', () => {
  const term = new FakeTerminal(true);
  let done = 0;
  const p = new Progress({ stream: term, tick: false, env: { ...TTY_ENV, NO_COLOR: '1' } });
  assert.equal(p.live, true);
  p.status(() => [`build 7 ${done}/3 tasks done`, '  task 9 greeter x86_64 (rpm) on n1']);
  assert.deepEqual(screen(term.out), ['- build 7 0/3 tasks done', '  task 9 greeter x86_64 (rpm) on n1']);
  done = 1;
  p.note(['build 7: task 8 libgreet x86_64 (rpm) ', ['failed', 'red'], ': exit status 1']);
  assert.deepEqual(screen(term.out), ['build 7: task 8 libgreet x86_64 (rpm) failed: exit status 1', '- build 7 1/3 tasks done', '  task 9 greeter x86_64 (rpm) on n1']);
  p.print('build 7: a line it always prints');
  const piped = new FakeTerminal(false);
  p.print('to a pipe \x01 as given', piped);
  assert.equal(piped.out, 'to a pipe \x01 as given\n', 'a line to a pipe (stdout redirected) is not touched');
  p.end();
  assert.deepEqual(screen(term.out), ['build 7: task 8 libgreet x86_64 (rpm) failed: exit status 1', 'build 7: a line it always prints']);
  assert.ok(!/\[[0-9;]*m/.test(term.out.replaceAll('\x1b[2K', '').replaceAll('\x1b[1A', '')), 'NO_COLOR: no colour');
  const before = term.out;
  p.status(() => ['again']);
  p.end();
  assert.equal(term.out, before, 'nothing after the end');
});

test('lines are cut to the width, colour without NO_COLOR, control characters shown as ?', () => {
  const term = new FakeTerminal(true, 30);
  const p = new Progress({ stream: term, tick: false, env: TTY_ENV });
  p.status(() => [['build 7 ', ['running', 'green'], ' with a very long line that does not fit'], 'evil\x1b]0;title\x07name']);
  const shown = screen(term.out);
  assert.equal(shown[0], '- build 7 running with a ver…');
  assert.equal([...(shown[0] ?? '')].length, 29, 'one column short of the edge');
  assert.equal(shown[1], 'evil?]0;title?name');
  assert.ok(term.out.includes('\x1b[32mrunning\x1b[39m'), 'coloured');
  // A narrower terminal: the erase covers the rows the old lines take now.
  term.columns = 10;
  p.print('next');
  p.end();
  assert.deepEqual(screen(term.out), ['next']);
});

test('elapsed times and bars', () => {
  assert.deepEqual([0, 7_400, 65_000, 3_725_000].map(formatElapsed), ['0s', '7s', '1m05s', '1h02m']);
  assert.equal(bar(1, 4, 8), '[##------]');
  assert.equal(bar(0, 0, 4), '[----]');
});
