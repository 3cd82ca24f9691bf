/**
 * What every action gets: the package tree's layout, where the patches repository's files are,
 * the dist tag, and a way to fail that names the action and the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { AutopatchActionError } from '../errors.ts';
import { display, targetFile, type PackageLayout } from '../layout.ts';
import { specIdentity, type SpecIdentity } from '../rpmspec.ts';
import type { ActionKind } from '../types.ts';

export interface ActionContext {
  layout: PackageLayout;
  /** The config file's name in the patches repository (for messages). */
  configFile: string;
  /** Directory holding the config; the files actions name are relative to it. */
  filesDir: string;
  /** Dist tag the spec is evaluated with (e.g. `.el9`). */
  dist: string;
  /** Date of the upstream commit (default changelog date). */
  upstreamDate: Date;
  /** 0-based index of the action being applied (as `actions[i]` in the config). */
  index: number;
  kind: ActionKind;
  /** True when our tag for this NVR already exists (for a different import). */
  nvrTaken(nvr: string): Promise<boolean>;
}

/** The error for an action that does not apply: names the action, the file and the problem. */
export function actionFailure(ctx: ActionContext, file: string, problem: string, cause?: unknown): AutopatchActionError {
  return new AutopatchActionError(ctx.configFile, ctx.index, ctx.kind, file, problem, cause === undefined ? undefined : { cause });
}

/** A text file of the tree read as lines, edited, written back. */
export interface TextFile {
  /** Tree-relative path (for messages). */
  name: string;
  lines: string[];
  /** Whether the file ended with a newline. */
  finalNewline: boolean;
  save(): void;
}

/** Reads a target (`spec` or a sources-dir path) of the tree; a missing file fails the action. */
export function readTarget(ctx: ActionContext, target: string): TextFile {
  const path = targetFile(ctx.layout, target);
  const name = display(ctx.layout, path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw actionFailure(ctx, name, 'file not found in the package tree', err);
  }
  const finalNewline = text.endsWith('\n');
  const file: TextFile = {
    name,
    lines: (finalNewline ? text.slice(0, -1) : text).split('\n'),
    finalNewline,
    save: () => writeFileSync(path, file.lines.join('\n') + (file.finalNewline ? '\n' : '')),
  };
  return file;
}

/** Quotes a text for messages, shortened when long. */
export function quote(text: string): string {
  const s = JSON.stringify(text);
  return s.length > 120 ? `${s.slice(0, 117)}…"` : s;
}

/** Escapes a literal text for use in a regular expression. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What the spec, as modified so far, says (via rpmspec); a spec rpmspec rejects fails the action. */
export async function currentIdentity(ctx: ActionContext): Promise<SpecIdentity> {
  try {
    return await specIdentity({ root: ctx.layout.root, spec: ctx.layout.spec }, ctx.dist);
  } catch (err) {
    throw actionFailure(ctx, ctx.layout.spec, (err as Error).message, err);
  }
}
