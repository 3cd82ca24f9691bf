/**
 * run_script: runs a script of the patches repository inside the bubblewrap sandbox (sandbox.ts)
 * with the package tree as its writable working directory. The script is started by the
 * interpreter of its `#!` line, else by /bin/bash. It fails the action on a non-zero exit or when
 * the time limit is reached.
 */
import { existsSync, readFileSync } from 'node:fs';
import { runScriptSandboxed } from '../sandbox.ts';
import { insideTree } from '../layout.ts';
import type { RunScriptAction } from '../types.ts';
import { actionFailure, type ActionContext } from './context.ts';

/** The interpreter (and its one optional argument) named by a `#!` line, else bash. */
function interpreter(text: string): string[] {
  const first = text.split('\n', 1)[0] ?? '';
  if (!first.startsWith('#!')) return ['/bin/bash'];
  return first.slice(2).trim().split(/\s+/).slice(0, 2);
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

export async function applyRunScript(a: RunScriptAction, ctx: ActionContext): Promise<string> {
  const path = insideTree(ctx.filesDir, a.script);
  if (!existsSync(path)) throw actionFailure(ctx, a.script, 'script not found in the patches repository');
  const command = [...interpreter(readFileSync(path, 'utf8')), `/patches/${a.script}`, ...a.args];
  const spec = `/package/${ctx.layout.spec}`;
  const sources = ctx.layout.sourcesDir === '' ? '/package' : `/package/${ctx.layout.sourcesDir}`;
  let outcome;
  try {
    outcome = await runScriptSandboxed({
      tree: ctx.layout.root,
      filesDir: ctx.filesDir,
      command,
      env: { SPEC: spec, SOURCES: sources, PACKAGE_TREE: '/package', DIST: ctx.dist },
      timeoutSeconds: a.timeout,
    });
  } catch (err) {
    throw actionFailure(ctx, a.script, `cannot start bwrap: ${(err as Error).message}`, err);
  }
  if (outcome.timedOut) throw actionFailure(ctx, a.script, `time limit of ${a.timeout} s reached; output:\n${lastLines(outcome.output, 20)}`);
  if (outcome.exitCode !== 0) throw actionFailure(ctx, a.script, `exited with status ${outcome.exitCode}; output:\n${lastLines(outcome.output, 20)}`);
  return `run_script: ${a.script}${a.args.length > 0 ? ` ${a.args.join(' ')}` : ''}`;
}
