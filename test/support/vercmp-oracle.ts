/**
 * Test support for src/rpm/vercmp.test.ts: a seeded random generator of version strings and two
 * oracles that ask the real rpm 4.18 for its answers, each in one or two rpm processes.
 * Not used by distforge itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDependency } from '../../src/rpm/depmatch.ts';
import type { Dependency } from '../../src/rpm/depmatch.ts';
import { prng } from './prng.ts';

/** A deterministic pseudo-random source (32-bit, seeded); `next()` is uniform in [0, 1). */
export class SeededRandom {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

const SEPARATORS = ['.', '.', '.', '_', '+', '-', ':', '..', 'é', '/'];
const LETTERS = 'abcxyzAZrcgitpre';

function randomToken(rng: SeededRandom): string {
  switch (rng.int(9)) {
    case 0:
    case 1:
    case 2:
      return String(rng.int(rng.pick([3, 12, 1000])));
    case 3:
      return '0'.repeat(1 + rng.int(3)) + String(rng.int(20)); // leading zeros
    case 4:
    case 5: {
      let word = '';
      for (let n = 1 + rng.int(3); n > 0; n--) word += LETTERS.charAt(rng.int(LETTERS.length));
      return word;
    }
    case 6:
      return rng.pick(['~', '~', '^', '^', '~~', '^~', '~^']);
    default:
      return rng.pick(SEPARATORS);
  }
}

/** A random non-empty version string mixing segments, separators, `~`, `^` and leading zeros. */
export function randomVersion(rng: SeededRandom): string {
  let s = '';
  for (let n = 1 + rng.int(6); n > 0; n--) s += randomToken(rng);
  return s;
}

/** A version close to `base`: one token changed, added or removed, or a common suffix. */
export function nearbyVersion(rng: SeededRandom, base: string): string {
  const cut = rng.int(base.length + 1);
  const head = base.slice(0, cut);
  const tail = base.slice(cut);
  switch (rng.int(5)) {
    case 0:
      return head + randomToken(rng) + tail;
    case 1:
      return head + tail.slice(1 + rng.int(2)) || base;
    case 2:
      return base + rng.pick(['~rc1', '^git1', '.0', '0', 'a', '~', '^', '.']);
    case 3:
      return base.replace(/\d+/, (d) => rng.pick(['0' + d, String(Number(d) + 1), d + '0']));
    default:
      return head + randomToken(rng);
  }
}

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const LUA_ORACLE = `
local function opt(s) if s == nil then return "-" end return "=" .. s end
local out = assert(io.open(OUT_PATH, "w"))
for line in io.lines(IN_PATH) do
  local kind, a, b = line:match("^(%a)\\t([^\\t]*)\\t?(.*)$")
  if kind == "V" then
    local x, y = rpm.ver(nil, a, nil), rpm.ver(nil, b, nil)
    out:write((x == y) and 0 or ((x < y) and -1 or 1), "\\n")
  elseif kind == "O" then
    out:write(rpm.vercmp(a, b), "\\n")
  else
    local v = rpm.ver(a)
    out:write(opt(v.e), "\\t", opt(v.v), "\\t", opt(v.r), "\\n")
  end
end
out:close()
`;

/**
 * Asks rpm's embedded Lua, in one rpm process, for one answer per query:
 * - `['V', a, b]`: `rpmvercmp(a, b)` (via `rpm.ver(nil, a, nil)` objects, which compare versions
 *   only); prints -1, 0 or 1.
 * - `['O', a, b]`: `rpm.vercmp(a, b)`, i.e. `rpmverCmp()` on parsed EVRs; prints -1, 0 or 1.
 * - `['P', s]`: `rpm.ver(s)`; prints epoch, version, release as `=value` or `-` for nil.
 * Strings must be non-empty and free of tabs and newlines.
 */
export function askRpmLua(queries: readonly (readonly string[])[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'distforge-vercmp-'));
  try {
    const input = join(dir, 'queries.tsv');
    const output = join(dir, 'answers.txt');
    const script = join(dir, 'oracle.lua');
    writeFileSync(input, queries.map((q) => q.join('\t') + '\n').join(''));
    const paths = `local IN_PATH, OUT_PATH = ${JSON.stringify(input)}, ${JSON.stringify(output)}\n`;
    writeFileSync(script, paths + LUA_ORACLE);
    const result = run('rpm', ['--eval', `%{lua: dofile(${JSON.stringify(script)})}`]);
    if (result.status !== 0) throw new Error(`rpm --eval failed: ${result.stderr}`);
    const answers = readFileSync(output, 'utf8').split('\n');
    answers.pop();
    if (answers.length !== queries.length) {
      throw new Error(`rpm answered ${answers.length} of ${queries.length} queries: ${result.stderr}`);
    }
    return answers;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Asks rpm whether each Provides satisfies its Requires: builds one noarch package with every
 * pair renamed `capN`, then runs `rpm -i --test` against an empty database; each Requires rpm
 * reports as missing is a non-match. Two processes (rpmbuild, rpm) for all pairs.
 */
export function askRpmDependencies(pairs: readonly { provide: Dependency; require: Dependency }[]): boolean[] {
  const dir = mkdtempSync(join(tmpdir(), 'distforge-depmatch-'));
  try {
    const lines = ['Name: deporacle', 'Version: 1', 'Release: 1', 'Summary: oracle', 'License: MIT'];
    lines.push('BuildArch: noarch');
    pairs.forEach(({ provide, require }, i) => {
      lines.push(`Provides: ${formatDependency({ ...provide, name: `cap${i}` })}`);
      lines.push(`Requires: ${formatDependency({ ...require, name: `cap${i}` })}`);
    });
    lines.push('%description', 'oracle', '%files', '');
    const spec = join(dir, 'deporacle.spec');
    writeFileSync(spec, lines.join('\n'));
    const build = run('rpmbuild', [
      '-bb', '--quiet', '--define', `_topdir ${dir}/top`, '--define', `_rpmdir ${dir}/out`, spec,
    ]);
    if (build.status !== 0) throw new Error(`rpmbuild failed: ${build.stderr}`);
    const install = run('rpm', [
      '-i', '--test', '--dbpath', join(dir, 'db'), '--ignorearch', '--ignoreos',
      join(dir, 'out', 'noarch', 'deporacle-1-1.noarch.rpm'),
    ]);
    const missing = new Set<number>();
    for (const line of install.stderr.split('\n')) {
      const found = /^\s+cap(\d+)\b.* is needed by deporacle-1-1\.noarch$/.exec(line);
      if (found?.[1] !== undefined) missing.add(Number(found[1]));
      else if (/^error:/.test(line) && line !== 'error: Failed dependencies:') {
        throw new Error(`rpm -i --test failed: ${install.stderr}`);
      }
    }
    if (install.status !== 0 && missing.size === 0) throw new Error(`rpm -i --test failed: ${install.stderr}`);
    return pairs.map((_, i) => !missing.has(i));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
