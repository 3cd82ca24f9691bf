/**
 * Runs a CommonJS bundle with a V8 code cache: `node run-cached.cjs BUNDLE.cjs ARGS…` (bin/distforge
 * runs `distforge repo …` so). Compiling a bundle and the functions a command calls is a large
 * share of a short command (~25 ms of a 0.4 s `repo create`); V8 can instead take the bytecode
 * from a cache made by an earlier run. Node 20 has no such cache for its own module loaders, so
 * this compiles the bundle as `vm.Script` with the cache, the way Node's CommonJS loader would
 * compile it otherwise.
 *
 * The cache: one file per command and set of Node options (`BUNDLE.cjs.GROUP-COMMAND[.OPTIONS].v8cache`,
 * e.g. `repo-main.cjs.repo-create.3f9a0c1d2e4b.v8cache`),
 * written after a run of that command that ended with status 0 when there was none or V8 refused
 * it (another Node, other flags), so that it holds what such a run compiles. It is written under a
 * temporary name and renamed; it starts with a digest of the bundle it was made for and one of
 * itself, and is not given to V8 when either does not match (V8 itself checks its version, flags
 * and the source's length, not the bytes). Not being able to write it (a read-only checkout) only
 * means no cache.
 *
 * Runs only bundled (bin/distforge builds it with esbuild as CommonJS), never from the sources.
 * The bundle cannot use `import()` (Node 20 loses a script's dynamic-import hook when the script
 * comes from a code cache); esbuild turns the sources' own into `require`.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

const MAGIC = Buffer.from('DFV8C01\n', 'latin1');
const DIGEST = 32;
const HEAD = MAGIC.length + 2 * DIGEST;

function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The code cache in `file` when it is whole and was made for the source whose digest is `sourceDigest`. */
export function readCodeCache(file: string, sourceDigest: Buffer): Buffer | undefined {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch {
    return undefined;
  }
  if (b.length <= HEAD || !b.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (!b.subarray(MAGIC.length, MAGIC.length + DIGEST).equals(sourceDigest)) return undefined;
  const data = b.subarray(HEAD);
  return sha256(data).equals(b.subarray(MAGIC.length + DIGEST, HEAD)) ? data : undefined;
}

/** Writes a code cache for the source whose digest is `sourceDigest`, whole or not at all; failing quietly. */
export function writeCodeCache(file: string, sourceDigest: Buffer, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([MAGIC, sourceDigest, sha256(data), data]), { mode: 0o644 });
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // not created
    }
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The cache's name for a command line: its first two words when they look like a group and a
 * command, and a digest of Node's own options when there are any (V8 refuses a cache made with
 * other flags, and bin/distforge gives some runs of a command flags that others do not get: each
 * set keeps its own cache instead of replacing the other's every time).
 */
export function cacheKey(args: readonly string[], nodeOptions: readonly string[] = []): string | null {
  const [group, command] = args;
  const word = /^[a-z][a-z0-9-]{0,31}$/;
  if (group === undefined || command === undefined || !word.test(group) || !word.test(command)) return null;
  return nodeOptions.length === 0 ? `${group}-${command}` : `${group}-${command}.${sha256(nodeOptions.join('\0')).toString('hex').slice(0, 12)}`;
}

/** Runs the CommonJS file `file` as Node's loader would, its bytecode taken from (or saved to) its cache for `args`. */
export function runCached(file: string, args: readonly string[]): void {
  const source = readFileSync(file, 'utf8');
  const key = cacheKey(args, process.execArgv);
  const sourceDigest = sha256(source);
  const cacheFile = key === null ? null : `${file}.${key}.v8cache`;
  const cached = cacheFile === null ? undefined : readCodeCache(cacheFile, sourceDigest);
  const script = new Script(Module.wrap(source), { filename: file, ...(cached ? { cachedData: cached } : {}) });
  if (cacheFile !== null && (cached === undefined || script.cachedDataRejected === true)) {
    process.once('exit', (code) => {
      // Making the cache takes a few ms: not for a directory it cannot be written to.
      if (code === 0 && writable(dirname(cacheFile))) writeCodeCache(cacheFile, sourceDigest, script.createCachedData());
    });
  }
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  const module = { exports: {}, filename: file, id: '.', loaded: false };
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
}

// As the process's entry (`node run-cached.cjs BUNDLE.cjs ARGS…`): the bundle is a file beside
// this one, and sees the arguments as if it had been run itself.
if (typeof require !== 'undefined' && require.main === module) {
  const name = process.argv[2] ?? '';
  const file = join(__dirname, name);
  if (name !== basename(name) || !name.endsWith('.cjs') || !existsSync(file)) {
    process.stderr.write(`run-cached: not a bundle beside it: ${JSON.stringify(name)}\n`);
    process.exit(2);
  }
  process.argv.splice(1, 2, file);
  runCached(file, process.argv.slice(2));
}
