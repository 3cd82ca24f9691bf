/** Listing the regular files of a directory tree. */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every regular file under `dir` (symbolic links and other kinds left out), as paths relative to `base` (default `dir`); [] when `dir` does not exist. */
export function filesUnder(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, base));
    else if (e.isFile()) out.push(relative(base, p));
  }
  return out;
}
