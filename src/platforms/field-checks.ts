/**
 * The checks every field of a platform definition goes through: a mapping with only known
 * fields, a required value, one line of bounded text, a list of architectures. Each reports its
 * first problem through `fail(field, problem)`, which throws.
 */
import { unsafeTextProblem } from '../util/text.ts';
import { ARCHES, type Arch } from './types.ts';
import { PLATFORM_LIMITS } from './limits.ts';

export type Fields = Record<string, unknown>;

export type Fail = (field: string, problem: string) => never;

export function mapping(v: unknown, field: string, fail: Fail): Fields {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'must be a mapping (key: value)');
  return v as Fields;
}

export function onlyFields(m: Fields, allowed: string[], prefix: string, fail: Fail): void {
  for (const k of Object.keys(m)) {
    if (!allowed.includes(k)) fail(`${prefix}${k}`, `unknown field (expected one of ${allowed.join(', ')})`);
  }
}

export function required(m: Fields, key: string, prefix: string, fail: Fail): unknown {
  const v = m[key];
  if (v === undefined || v === null || v === '') fail(`${prefix}${key}`, 'is required');
  return v;
}

export function text(v: unknown, field: string, fail: Fail, max: number = PLATFORM_LIMITS.text): string {
  if (typeof v !== 'string' || v.trim() === '') fail(field, 'must be a non-empty string');
  return line(v as string, field, fail, max);
}

/** One line of at most `max` characters without control or formatting characters. */
export function line(v: string, field: string, fail: Fail, max: number): string {
  if (v.length > max) fail(field, `must be at most ${max} characters (got ${v.length})`);
  if (/[\n\r]/.test(v)) fail(field, 'must be a single line');
  const unsafe = unsafeTextProblem(v);
  if (unsafe) fail(field, unsafe);
  return v;
}

export function archList(v: unknown, field: string, fail: Fail): Arch[] {
  if (!Array.isArray(v) || v.length === 0) fail(field, `must be a non-empty list of architectures (${ARCHES.join(', ')})`);
  const out: Arch[] = [];
  (v as unknown[]).forEach((a, i) => {
    if (typeof a !== 'string' || !(ARCHES as readonly string[]).includes(a)) fail(`${field}[${i}]`, `unknown architecture ${JSON.stringify(a)} (expected one of ${ARCHES.join(', ')})`);
    if (out.includes(a as Arch)) fail(`${field}[${i}]`, `"${a as string}" is listed twice`);
    out.push(a as Arch);
  });
  return out;
}

