/**
 * File triggers of a package being written (`%filetriggerin`, `%transfiletriggerpostun`, …), laid
 * out as rpmbuild 4.18 lays them out. Each kind has its own set of tags (FILETRIGGER* for
 * per-package triggers, TRANSFILETRIGGER* for transaction ones):
 * - per trigger, in the order given: the script (an empty string when only the interpreter runs),
 *   its interpreter and its priority;
 * - per watched path ("condition"): the path prefix, the index of its trigger, an empty version
 *   and the sense bit of the trigger type, sorted by path, then sense, then index.
 * Each interpreter is required with the INTERP bit alone; rpmbuild adds no rpmlib() feature.
 */
import { UsageError } from '../errors.ts';
import type { EntryValue } from './header-build.ts';
import { Sense, Tag, TagType } from './tags.ts';
import type { RpmSpecFileTrigger, RpmSpecFileTriggerType } from './writer-types.ts';

/** rpmbuild's priority when a trigger has no -P. */
export const DEFAULT_FILE_TRIGGER_PRIORITY = 1_000_000;

const SENSE: Record<RpmSpecFileTriggerType, number> = {
  in: Sense.TRIGGERIN,
  un: Sense.TRIGGERUN,
  postun: Sense.TRIGGERPOSTUN,
};

const TAGS = {
  file: {
    scripts: Tag.FILETRIGGERSCRIPTS,
    prog: Tag.FILETRIGGERSCRIPTPROG,
    name: Tag.FILETRIGGERNAME,
    index: Tag.FILETRIGGERINDEX,
    version: Tag.FILETRIGGERVERSION,
    flags: Tag.FILETRIGGERFLAGS,
    priorities: Tag.FILETRIGGERPRIORITIES,
  },
  transaction: {
    scripts: Tag.TRANSFILETRIGGERSCRIPTS,
    prog: Tag.TRANSFILETRIGGERSCRIPTPROG,
    name: Tag.TRANSFILETRIGGERNAME,
    index: Tag.TRANSFILETRIGGERINDEX,
    version: Tag.TRANSFILETRIGGERVERSION,
    flags: Tag.TRANSFILETRIGGERFLAGS,
    priorities: Tag.TRANSFILETRIGGERPRIORITIES,
  },
} as const;

function fail(where: string, message: string): never {
  throw new UsageError(`invalid package spec: ${where} ${message}`);
}

/**
 * Checks the `fileTriggers` of a spec.
 * @throws UsageError naming the first bad field.
 */
export function validateFileTriggers(list: unknown): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) fail('fileTriggers', 'must be a list');
  list.forEach((t: RpmSpecFileTrigger, i) => {
    const where = `fileTriggers[${i}]`;
    if (typeof t !== 'object' || t === null) fail(where, 'must be an object');
    if (!(t.type in SENSE)) fail(`${where}.type`, `${JSON.stringify(t.type)} is not in, un or postun`);
    if (!Array.isArray(t.paths) || t.paths.length === 0) fail(`${where}.paths`, 'must be a non-empty list');
    t.paths.forEach((p, j) => {
      if (typeof p !== 'string' || !p.startsWith('/') || /[\s\0]/.test(p)) fail(`${where}.paths[${j}]`, `${JSON.stringify(p)} must be an absolute path without whitespace`);
    });
    if (typeof t.script !== 'string' || t.script.includes('\0')) fail(`${where}.script`, 'must be a string without NUL characters');
    const prog = t.interpreter ?? '/bin/sh';
    if (typeof prog !== 'string' || (prog !== '<lua>' && !/^\/\S+$/.test(prog))) fail(`${where}.interpreter`, `${JSON.stringify(prog)} must be one absolute path or <lua>`);
    const p = t.priority;
    if (p !== undefined && (!Number.isInteger(p) || p < 0 || p > 0x7fffffff)) fail(`${where}.priority`, `must be an integer from 0 to ${0x7fffffff}, got ${String(p)}`);
  });
}

interface Condition {
  name: string;
  key: Buffer;
  flags: number;
  index: number;
}

function kindEntries(triggers: readonly RpmSpecFileTrigger[], tags: (typeof TAGS)[keyof typeof TAGS]): EntryValue[] {
  if (triggers.length === 0) return [];
  const conditions: Condition[] = triggers.flatMap((t, index) => t.paths.map((name) => ({ name, key: Buffer.from(name, 'utf8'), flags: SENSE[t.type], index })));
  conditions.sort((a, b) => Buffer.compare(a.key, b.key) || a.flags - b.flags || a.index - b.index);
  const strs = (tag: number, value: string[]): EntryValue => ({ tag, type: TagType.STRING_ARRAY, value });
  const ints = (tag: number, value: number[]): EntryValue => ({ tag, type: TagType.INT32, value });
  return [
    strs(tags.scripts, triggers.map((t) => t.script)),
    strs(tags.prog, triggers.map((t) => t.interpreter ?? '/bin/sh')),
    strs(tags.name, conditions.map((c) => c.name)),
    ints(tags.index, conditions.map((c) => c.index)),
    strs(tags.version, conditions.map(() => '')),
    ints(tags.flags, conditions.map((c) => c.flags)),
    ints(tags.priorities, triggers.map((t) => t.priority ?? DEFAULT_FILE_TRIGGER_PRIORITY)),
  ];
}

/** The header entries of validated `triggers` and the interpreter requirements they add. */
export function fileTriggerParts(triggers: readonly RpmSpecFileTrigger[]): { entries: EntryValue[]; requires: { name: string; evr: string; flags: number }[] } {
  const entries = [
    ...kindEntries(triggers.filter((t) => !t.transaction), TAGS.file),
    ...kindEntries(triggers.filter((t) => t.transaction), TAGS.transaction),
  ];
  const requires = triggers.map((t) => {
    const prog = t.interpreter ?? '/bin/sh';
    return prog === '<lua>' ? { name: 'rpmlib(BuiltinLuaScripts)', evr: '4.2.2-1', flags: Sense.RPMLIB | Sense.LESS | Sense.EQUAL } : { name: prog, evr: '', flags: Sense.INTERP };
  });
  return { entries, requires };
}
