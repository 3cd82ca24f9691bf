/**
 * What a spec file says about building (read with the real `rpmspec`, with the platform's macros
 * defined): the source package name, its BuildRequires, and everything its binary packages
 * provide (every package name is a provide too). The spec is written to a temporary directory;
 * when rpmspec needs the spec's sources (macros that read them), the caller gives a directory with
 * the whole tree and we try again there.
 *
 * Terminology:
 * - macros: `--define 'NAME VALUE'` pairs from the platform (dist tag, %rhel, …).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { SpecInvalidError } from './errors.ts';
import { lastErrorLine, runTool } from './exec.ts';

export interface SpecFacts {
  /** Source package name (%{NAME} of the SRPM). */
  name: string;
  buildRequires: string[];
  provides: string[];
}

export interface AnalyseOptions {
  macros: Record<string, string>;
  /** How to name the spec in error messages (`URL#REF: SPECS/foo.spec`). */
  label: string;
  /**
   * Called when rpmspec fails on the spec alone: writes the whole tree into `dir` (ours, removed
   * afterwards) and returns the spec's path in it, to try again with the sources present.
   */
  withTree?: (dir: string) => Promise<string>;
}

function defines(macros: Record<string, string>, specFile: string): string[] {
  const dir = dirname(specFile);
  // Sources sit beside the spec, or in SOURCES/ beside SPECS/.
  const sources = basename(dir) === 'SPECS' && existsSync(join(dir, '..', 'SOURCES')) ? join(dir, '..', 'SOURCES') : dir;
  const all: Record<string, string> = { _sourcedir: sources, _specdir: dir, ...macros };
  return Object.entries(all).flatMap(([k, v]) => ['--define', `${k} ${v === '' ? '%{nil}' : v}`]);
}

function lines(text: string): string[] {
  return [...new Set(text.split('\n').map((l) => l.trim()).filter((l) => l !== ''))];
}

async function query(specFile: string, macros: Record<string, string>): Promise<SpecFacts | string> {
  const base = ['-q', ...defines(macros, specFile)];
  const [name, br, prov] = await Promise.all([
    runTool('rpmspec', [...base, '--srpm', '--qf', '%{NAME}\\n', specFile], { timeoutMs: 60_000 }),
    runTool('rpmspec', [...base, '--buildrequires', specFile], { timeoutMs: 60_000 }),
    runTool('rpmspec', [...base, '--provides', specFile], { timeoutMs: 60_000 }),
  ]);
  for (const r of [name, br, prov]) if (r.code !== 0) return lastErrorLine(r.stderr);
  const srpmName = lines(name.stdout)[0];
  if (srpmName === undefined) return 'no package name';
  return { name: srpmName, buildRequires: lines(br.stdout), provides: lines(prov.stdout) };
}

/**
 * Reads name, BuildRequires and Provides of `specText`.
 * @throws SpecInvalidError naming the spec and rpmspec's reason.
 */
export async function analyseSpec(specText: string, fileName: string, options: AnalyseOptions): Promise<SpecFacts> {
  const dir = mkdtempSync(join(tmpdir(), 'distforge-spec-'));
  try {
    const specFile = join(dir, basename(fileName) || 'package.spec');
    writeFileSync(specFile, specText);
    let result = await query(specFile, options.macros);
    if (typeof result === 'string' && options.withTree) {
      const treeDir = join(dir, 'tree');
      mkdirSync(treeDir);
      result = await query(await options.withTree(treeDir), options.macros);
    }
    if (typeof result === 'string') throw new SpecInvalidError(`${options.label}: rpmspec cannot read the spec: ${result}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
