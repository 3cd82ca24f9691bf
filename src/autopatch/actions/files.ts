/**
 * add_files and delete_files. add_files copies a file of the patches repository into the sources
 * dir and declares it in the spec: `SourceN:` after the last Source line, or `PatchN:` after the
 * last Patch line (else after the last Source line). A patch is also applied in %prep: nothing to
 * do with %autosetup/%autopatch; with explicit %patch lines one more after the last of them, in
 * the same style (`%patchN -p1` or `%patch -P N -p1`); otherwise `%patch -P N -p1` after %setup.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { insideTree, targetPath } from '../layout.ts';
import type { AddFileAction, DeleteFilesAction } from '../types.ts';
import { actionFailure, readTarget, type ActionContext, type TextFile } from './context.ts';

function lastIndex(lines: string[], pattern: RegExp): number {
  for (let i = lines.length - 1; i >= 0; i--) if (pattern.test(lines[i] ?? '')) return i;
  return -1;
}

/** Numbers already used by `Source`/`Patch` tags (an unnumbered tag is 0). */
function usedNumbers(spec: TextFile, tag: string): number[] {
  const re = new RegExp(`^${tag}(\\d*)\\s*:`, 'i');
  return spec.lines.flatMap((l) => {
    const m = re.exec(l);
    return m === null ? [] : [Number(m[1] === '' ? '0' : m[1])];
  });
}

/** The %prep line that applies patch `n`, or null when %autosetup/%autopatch does it. */
function patchApplication(spec: TextFile, n: number): { at: number; line: string } | null {
  if (spec.lines.some((l) => /^%(autosetup|autopatch)\b/.test(l))) return null;
  const last = lastIndex(spec.lines, /^%patch\b|^%patch\d+/);
  if (last >= 0) {
    const numbered = /^%patch\d+/.test(spec.lines[last] ?? '');
    return { at: last + 1, line: numbered ? `%patch${n} -p1` : `%patch -P ${n} -p1` };
  }
  const setup = lastIndex(spec.lines, /^%setup\b/);
  return setup < 0 ? { at: -1, line: '' } : { at: setup + 1, line: `%patch -P ${n} -p1` };
}

export function applyAddFiles(a: AddFileAction, ctx: ActionContext): string {
  const source = insideTree(ctx.filesDir, a.file);
  if (!existsSync(source)) throw actionFailure(ctx, a.file, 'file not found in the patches repository');
  const destRel = targetPath(ctx.layout, a.name);
  const dest = insideTree(ctx.layout.root, destRel);
  if (existsSync(dest)) throw actionFailure(ctx, destRel, 'already exists in the package tree');

  const spec = readTarget(ctx, 'spec');
  const tag = a.type === 'patch' ? 'Patch' : 'Source';
  const used = usedNumbers(spec, tag);
  const n = a.number ?? (used.length === 0 ? (a.type === 'patch' ? 1 : 0) : Math.max(...used) + 1);
  if (used.includes(n)) throw actionFailure(ctx, spec.name, `${tag}${n} is already declared`);
  const lastTag = lastIndex(spec.lines, new RegExp(`^${tag}\\d*\\s*:`, 'i'));
  const anchor = lastTag >= 0 ? lastTag : lastIndex(spec.lines, /^Source\d*\s*:/i);
  if (anchor < 0) throw actionFailure(ctx, spec.name, `no ${tag} or Source line to add ${tag}${n} after`);

  const apply = a.type === 'patch' ? patchApplication(spec, n) : null;
  if (apply !== null && apply.at < 0) throw actionFailure(ctx, spec.name, `no %autosetup, %autopatch, %patch or %setup line to apply Patch${n} after`);
  if (apply !== null) spec.lines.splice(apply.at, 0, apply.line);
  const label = `${tag}${n}:`;
  spec.lines.splice(anchor + 1, 0, `${label.padEnd(15)} ${a.name}`);
  spec.save();
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(source, dest);
  const how = apply === null ? (a.type === 'patch' ? ', applied by %autosetup/%autopatch' : '') : `, ${apply.line}`;
  return `add_files: ${destRel} as ${tag}${n}${how}`;
}

export function applyDeleteFiles(a: DeleteFilesAction, ctx: ActionContext): string {
  const paths = a.files.map((f) => {
    const rel = targetPath(ctx.layout, f);
    const full = insideTree(ctx.layout.root, rel);
    if (!existsSync(full)) throw actionFailure(ctx, rel, 'file not found in the package tree');
    return { rel, full };
  });
  for (const p of paths) rmSync(p.full, { recursive: true });
  return `delete_files: ${paths.map((p) => p.rel).join(', ')}`;
}
