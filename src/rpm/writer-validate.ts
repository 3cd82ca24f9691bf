/**
 * Checking an {@link RpmSpec} before anything is written: every problem a user can make becomes a
 * {@link UsageError} naming the field, so a bad spec never yields a package rpm would reject.
 */
import { posix } from 'node:path';
import { UsageError } from '../errors.ts';
import { Sense } from './tags.ts';
import { validateFileTriggers } from './writer-triggers.ts';
import { SPEC_DEPENDENCY_KINDS, type RpmSpec, type RpmSpecDependency, type RpmSpecFile, type RpmSpecScriptlet } from './writer-types.ts';

/** Mask of the file type bits of a mode. */
export const S_IFMT = 0o170000;
/** File type: regular file. */
export const S_IFREG = 0o100000;
/** File type: directory. */
export const S_IFDIR = 0o040000;
/** File type: symbolic link. */
export const S_IFLNK = 0o120000;

const UINT32_MAX = 0xffffffff;
const COMPARISON = Sense.LESS | Sense.GREATER | Sense.EQUAL;
const NAME_RE = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;
const VERSION_RE = /^[A-Za-z0-9._+~^]+$/;
const ARCH_RE = /^[A-Za-z0-9_]+$/;
const OWNER_RE = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/;
const SCRIPT_STAGES = ['pretrans', 'prein', 'postin', 'preun', 'postun', 'posttrans'];
/** Levels the writer accepts per compressor: [lowest, highest]. */
export const LEVEL_RANGE = { gzip: [1, 9], zstd: [1, 19] } as const;

function fail(where: string, message: string): never {
  throw new UsageError(`invalid package spec: ${where} ${message}`);
}

function checkText(where: string, v: unknown, opts: { required?: boolean; oneLine?: boolean; noSpace?: boolean } = {}): void {
  if (v === undefined && !opts.required) return;
  if (typeof v !== 'string') fail(where, `must be a string, got ${typeof v}`);
  if (opts.required && v.trim() === '') fail(where, 'must not be empty');
  if (v.includes('\0')) fail(where, 'must not contain NUL characters');
  if (opts.oneLine && /[\r\n]/.test(v)) fail(where, `must be a single line: ${JSON.stringify(v)}`);
  if (opts.noSpace && /\s/.test(v)) fail(where, `must not contain whitespace: ${JSON.stringify(v)}`);
}

function checkPattern(where: string, v: unknown, re: RegExp, what: string): void {
  if (typeof v !== 'string' || !re.test(v)) fail(where, `${JSON.stringify(v)} is not a valid ${what}`);
}

function checkUint32(where: string, v: unknown, required = false): void {
  if (v === undefined && !required) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > UINT32_MAX) {
    fail(where, `must be an integer from 0 to ${UINT32_MAX}, got ${String(v)}`);
  }
}

/** Checks one dependency; rich dependencies (`(a or b)`) may contain spaces. */
function checkDependency(where: string, d: RpmSpecDependency): void {
  if (typeof d !== 'object' || d === null) fail(where, 'must be an object');
  checkText(`${where}.name`, d.name, { required: true, oneLine: true });
  const rich = d.name.startsWith('(');
  if (rich && !d.name.endsWith(')')) fail(`${where}.name`, `rich dependency ${JSON.stringify(d.name)} must end with ")"`);
  if (!rich && /\s/.test(d.name)) fail(`${where}.name`, `must not contain whitespace: ${JSON.stringify(d.name)}`);
  checkUint32(`${where}.flags`, d.flags);
  checkText(`${where}.evr`, d.evr, { noSpace: true });
  const hasEvr = d.evr !== undefined && d.evr !== '';
  const compares = ((d.flags ?? 0) & COMPARISON) !== 0;
  if (hasEvr && !compares) fail(where, `has evr ${JSON.stringify(d.evr)} but no LESS/GREATER/EQUAL flag`);
  if (!hasEvr && compares) fail(where, 'has a LESS/GREATER/EQUAL flag but no evr');
  if (hasEvr && !/^(\d+:)?[^:-]+(-[^:-]+)?$/.test(d.evr ?? '')) fail(`${where}.evr`, `${JSON.stringify(d.evr)} is not [epoch:]version[-release]`);
}

/** The file type a spec file ends up with (see {@link RpmSpecFile.mode}). */
export function fileMode(f: RpmSpecFile): number {
  const mode = f.mode ?? (f.linkto !== undefined ? S_IFLNK | 0o777 : S_IFREG | 0o644);
  if ((mode & S_IFMT) !== 0) return mode;
  return mode | (f.linkto !== undefined ? S_IFLNK : S_IFREG);
}

function checkPath(where: string, p: unknown, source: boolean): void {
  checkText(where, p, { required: true, oneLine: true });
  const path = p as string;
  if (source) {
    if (path.includes('/') || path === '.' || path === '..') fail(where, `${JSON.stringify(path)} must be a bare file name in a source package`);
    return;
  }
  if (!path.startsWith('/')) fail(where, `${JSON.stringify(path)} must be absolute`);
  if (path === '/') fail(where, 'must not be the root directory');
  if (path.split('/').some((seg) => seg === '..' || seg === '.')) fail(where, `${JSON.stringify(path)} must not contain "." or ".." segments`);
  if (posix.normalize(path) !== path || path.endsWith('/')) fail(where, `${JSON.stringify(path)} is not normalised (no "//", no trailing "/")`);
}

function checkFile(where: string, f: RpmSpecFile, source: boolean): void {
  if (typeof f !== 'object' || f === null) fail(where, 'must be an object');
  checkPath(`${where}.path`, f.path, source);
  if (f.mode !== undefined && (!Number.isInteger(f.mode) || f.mode < 0 || f.mode > 0xffff)) fail(`${where}.mode`, `${String(f.mode)} is not a file mode`);
  const type = fileMode(f) & S_IFMT;
  if (type !== S_IFREG && type !== S_IFDIR && type !== S_IFLNK) fail(`${where}.mode`, `type 0o${type.toString(8)} is not supported (regular file, directory or symlink)`);
  if (type === S_IFLNK) {
    checkText(`${where}.linkto`, f.linkto, { required: true, oneLine: true });
  } else if (f.linkto !== undefined) {
    fail(`${where}.linkto`, 'is only allowed for symlinks');
  }
  if (type !== S_IFREG && f.data !== undefined) fail(`${where}.data`, 'is only allowed for regular files');
  if (f.data !== undefined && typeof f.data !== 'string' && !Buffer.isBuffer(f.data)) fail(`${where}.data`, 'must be a Buffer or a string');
  if (f.data !== undefined && Buffer.byteLength(f.data) >= UINT32_MAX) fail(`${where}.data`, 'is too large (4 GiB or more)');
  for (const k of ['user', 'group'] as const) {
    if (f[k] !== undefined) checkPattern(`${where}.${k}`, f[k], OWNER_RE, 'user or group name');
  }
  checkUint32(`${where}.mtime`, f.mtime);
  checkUint32(`${where}.flags`, f.flags);
  checkText(`${where}.lang`, f.lang, { noSpace: true });
}

function checkScriptlet(where: string, s: RpmSpecScriptlet): void {
  if (typeof s !== 'object' || s === null) fail(where, 'must be an object');
  checkText(`${where}.script`, s.script, { required: false });
  if (typeof s.script !== 'string') fail(`${where}.script`, 'must be a string');
  const interp = s.interpreter;
  if (interp === undefined) return;
  const argv = typeof interp === 'string' ? [interp] : interp;
  if (!Array.isArray(argv) || argv.length === 0) fail(`${where}.interpreter`, 'must be a path or a non-empty list');
  argv.forEach((a, i) => checkText(`${where}.interpreter[${i}]`, a, { required: true, noSpace: true }));
  const prog = argv[0] ?? '';
  if (prog !== '<lua>' && !prog.startsWith('/')) fail(`${where}.interpreter`, `${JSON.stringify(prog)} must be an absolute path or <lua>`);
  if (prog === '<lua>' && argv.length > 1) fail(`${where}.interpreter`, '<lua> takes no arguments');
}

/**
 * Checks `spec` completely.
 * @throws UsageError naming the first bad field and why it is bad.
 */
export function validateSpec(spec: RpmSpec): void {
  if (typeof spec !== 'object' || spec === null) throw new UsageError('invalid package spec: not an object');
  checkPattern('name', spec.name, NAME_RE, 'package name (letters, digits, "._+-")');
  checkPattern('version', spec.version, VERSION_RE, 'version (letters, digits, "._+~^"; no "-")');
  checkPattern('release', spec.release, VERSION_RE, 'release (letters, digits, "._+~^"; no "-")');
  checkUint32('epoch', spec.epoch);
  checkPattern('arch', spec.arch, ARCH_RE, 'architecture');
  if (spec.buildArch !== undefined) checkPattern('buildArch', spec.buildArch, ARCH_RE, 'architecture');
  if (spec.os !== undefined) checkPattern('os', spec.os, ARCH_RE, 'operating system');
  checkText('summary', spec.summary, { required: true, oneLine: true });
  checkText('description', spec.description, { required: false });
  if (typeof spec.description !== 'string') fail('description', 'must be a string');
  checkText('license', spec.license, { required: true, oneLine: true });
  for (const k of ['url', 'bugurl', 'vendor', 'packager', 'distribution', 'group', 'sourcerpm', 'platform', 'optflags'] as const) {
    checkText(k, spec[k], { oneLine: true });
  }
  checkText('buildhost', spec.buildhost, { noSpace: true });
  checkUint32('buildtime', spec.buildtime);
  for (const kind of SPEC_DEPENDENCY_KINDS) {
    const list = spec[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) fail(kind, 'must be a list');
    list.forEach((d, i) => checkDependency(`${kind}[${i}]`, d));
  }
  for (const k of ['files', 'changelog'] as const) {
    if (spec[k] !== undefined && !Array.isArray(spec[k])) fail(k, 'must be a list');
  }
  if (spec.scripts !== undefined && (typeof spec.scripts !== 'object' || spec.scripts === null)) fail('scripts', 'must be an object');
  const source = spec.arch === 'src';
  const seen = new Set<string>();
  (spec.files ?? []).forEach((f, i) => {
    checkFile(`files[${i}]`, f, source);
    if (seen.has(f.path)) fail(`files[${i}].path`, `${JSON.stringify(f.path)} is listed twice`);
    seen.add(f.path);
  });
  (spec.changelog ?? []).forEach((c, i) => {
    checkUint32(`changelog[${i}].time`, c.time, true);
    checkText(`changelog[${i}].author`, c.author, { required: true, oneLine: true });
    checkText(`changelog[${i}].text`, c.text, { required: true });
  });
  for (const [stage, s] of Object.entries(spec.scripts ?? {})) {
    if (!SCRIPT_STAGES.includes(stage)) fail(`scripts.${stage}`, `is not one of ${SCRIPT_STAGES.join(', ')}`);
    if (s !== undefined) checkScriptlet(`scripts.${stage}`, s);
  }
  validateFileTriggers(spec.fileTriggers);
  const compressor = spec.compressor ?? 'gzip';
  if (compressor !== 'gzip' && compressor !== 'zstd' && compressor !== 'none') fail('compressor', `${JSON.stringify(compressor)} is not gzip, zstd or none`);
  if (spec.compressionLevel !== undefined) {
    if (compressor === 'none') fail('compressionLevel', 'makes no sense without a compressor');
    const [lo, hi] = LEVEL_RANGE[compressor];
    const l = spec.compressionLevel;
    if (!Number.isInteger(l) || l < lo || l > hi) fail('compressionLevel', `must be an integer from ${lo} to ${hi} for ${compressor}, got ${l}`);
  }
}
