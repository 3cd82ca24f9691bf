/**
 * modify_release: appends a suffix such as `.alma.1` to the spec's Release. When the release
 * already carries the suffix (`….alma.3`), or our tag for the resulting NVR already exists for a
 * different import (the patches changed, the upstream did not), the number is bumped.
 */
import { nvrOf } from '../rpmspec.ts';
import type { ModifyReleaseAction } from '../types.ts';
import { actionFailure, currentIdentity, escapeRegex, readTarget, type ActionContext } from './context.ts';

const RELEASE_LINE = /^(Release\s*:\s*)(\S.*?)\s*$/i;

/** Splits `.alma.1` into the stem `.alma.` and the number 1. */
function splitSuffix(suffix: string): { stem: string; number: number } {
  const m = /^(.*?)(\d+)$/.exec(suffix);
  return { stem: m?.[1] ?? suffix, number: Number(m?.[2] ?? '1') };
}

/** Most bumps tried before giving up (a safety net against a loop). */
const MAX_BUMPS = 1000;

export async function applyModifyRelease(a: ModifyReleaseAction, ctx: ActionContext): Promise<string> {
  const spec = readTarget(ctx, 'spec');
  const index = spec.lines.findIndex((l) => RELEASE_LINE.test(l));
  const match = index < 0 ? null : RELEASE_LINE.exec(spec.lines[index] ?? '');
  if (match === null) throw actionFailure(ctx, spec.name, 'no Release: line');
  const label = match[1] ?? 'Release: ';
  const value = match[2] ?? '';
  const { stem, number } = splitSuffix(a.suffix);
  const present = new RegExp(`${escapeRegex(stem)}(\\d+)$`).exec(value);
  const base = present === null ? value : value.slice(0, present.index);
  let n = present === null ? number : Math.max(number, Number(present[1]) + 1);
  for (let tries = 0; ; tries++) {
    spec.lines[index] = `${label}${base}${stem}${n}`;
    spec.save();
    const nvr = nvrOf(await currentIdentity(ctx));
    if (!(await ctx.nvrTaken(nvr)) || tries >= MAX_BUMPS) return `modify_release: Release ${value} → ${base}${stem}${n} (${nvr})`;
    n++;
  }
}
