/**
 * Small conversions shared by the metadata parsers: attribute numbers, yes/no flags, defaults.
 * They take a `fail` callback so every complaint names the file and line.
 */

type Fail = (message: string) => never;

const INTEGER = /^-?[0-9]+$/;

/** An integer attribute or text; absent or empty means `fallback`; anything else fails. */
export function integer(value: string | undefined, what: string, fail: Fail, fallback = 0): number {
  if (value === undefined) return fallback;
  const v = value.trim();
  if (v === '') return fallback;
  if (!INTEGER.test(v)) fail(`${what} is not an integer: ${JSON.stringify(value)}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) fail(`${what} is out of range: ${v}`);
  return n;
}

/** Like {@link integer}, for values that must not be negative (sizes, offsets). */
export function count(value: string | undefined, what: string, fail: Fail): number {
  const n = integer(value, what, fail);
  if (n < 0) fail(`${what} is negative: ${n}`);
  return n;
}

/** A timestamp; yum wrote some with a fractional part ("1700000000.42"), which is dropped. */
export function seconds(value: string | undefined, what: string, fail: Fail): number {
  const v = value?.trim();
  if (v !== undefined && /^-?[0-9]+\.[0-9]*$/.test(v)) return integer(v.slice(0, v.indexOf('.')), what, fail);
  return integer(value, what, fail);
}

/**
 * A yes/no element such as `<reboot_suggested>`: present and empty, "true", "1" or "yes" (any case)
 * mean yes; "false", "0" or "no" mean no. Anything else fails.
 */
export function flag(text: string, what: string, fail: Fail): boolean {
  const v = text.trim().toLowerCase();
  if (v === '' || v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  return fail(`${what} is not a yes/no value: ${JSON.stringify(text)}`);
}
