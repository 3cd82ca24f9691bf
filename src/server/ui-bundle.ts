/**
 * The web UI's bundle: the browser code in src/ui compiled by esbuild (TSX, Preact, one CSS
 * file) into content-hashed assets and an index.html naming them. The master makes it when it
 * starts; nobody runs a build step. A bundle is kept in `.build/ui/KEY/` of the checkout, where
 * KEY is a sha256 over every source file of src/ui and the lock file, so a start with unchanged
 * sources (every test server, every restart) only hashes and reads; two processes making the same
 * bundle at once each write a directory of their own and rename it into place (the first wins).
 * When the checkout is not writable the bundle is made in memory each start.
 *
 * What is served is held in memory (a few hundred KiB, with gzip copies): removing older bundle
 * directories never breaks a running master.
 *
 * Terminology:
 * - asset: a file under /assets/, named NAME-HASH.EXT, never changing under its name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Logger } from 'pino';

/** One file the UI route serves. */
export interface UiFile {
  body: Buffer;
  /** gzip of the body, when that is smaller by a useful margin. */
  gzip: Buffer | null;
  contentType: string;
  /** A strong validator: the sha256 of the body, quoted. */
  etag: string;
}

export type UiBundle =
  | { ok: true; key: string; index: UiFile; assets: ReadonlyMap<string, UiFile> }
  /** The bundle could not be made: the UI answers 503 with this reason; the API is unaffected. */
  | { ok: false; reason: string };

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
};

/** What the bundle is made from: the checkout holding src/ui (from src/server or from .build/). */
export function findUiSources(from = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'src', 'ui', 'main.tsx'))) return dir;
    dir = dirname(dir);
  }
  return null;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** The cache key: every file of src/ui (name and content) and the lock file (Preact's version). */
export function uiSourceKey(root: string): string {
  const h = createHash('sha256');
  for (const f of filesUnder(join(root, 'src', 'ui'))) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  const lock = join(root, 'package-lock.json');
  if (existsSync(lock)) h.update(readFileSync(lock));
  return h.digest('hex').slice(0, 20);
}

function uiFile(body: Buffer, contentType: string): UiFile {
  const gz = gzipSync(body, { level: 9 });
  return { body, gzip: gz.length < body.length * 0.9 ? gz : null, contentType, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` };
}

/** Reads a bundle directory (index.html and assets/) into memory. */
function readBundle(dir: string, key: string): UiBundle {
  const assets = new Map<string, UiFile>();
  for (const f of readdirSync(join(dir, 'assets'))) {
    const type = CONTENT_TYPES[/\.[a-z0-9]+$/.exec(f)?.[0] ?? ''];
    if (type) assets.set(f, uiFile(readFileSync(join(dir, 'assets', f)), type));
  }
  return { ok: true, key, index: uiFile(readFileSync(join(dir, 'index.html')), 'text/html; charset=utf-8'), assets };
}

/** index.html from the template, naming the hashed script and style sheet. */
function indexHtml(template: string, script: string, style: string | null): string {
  const tags = [style && `<link rel="stylesheet" href="/assets/${style}">`, `<script type="module" src="/assets/${script}"></script>`].filter(Boolean).join('\n    ');
  if (!template.includes('<!-- assets -->')) throw new Error('src/ui/index.html has no <!-- assets --> marker');
  return template.replace('<!-- assets -->', tags);
}

/** Compiles src/ui with esbuild, in memory: file name → content. */
async function compile(root: string): Promise<Map<string, Buffer>> {
  // esbuild is loaded only when a bundle is made: a master whose bundle is cached never needs it.
  const esbuild = await import('esbuild');
  const out = join(root, '.build', 'ui-out');
  const result = await esbuild.build({
    entryPoints: { app: join(root, 'src', 'ui', 'main.tsx') },
    bundle: true,
    write: false,
    outdir: out,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    // The browser code is written for the browser: a Node module in it fails the build.
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'eof',
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const files = new Map<string, Buffer>();
  let script: string | null = null;
  let style: string | null = null;
  for (const f of result.outputFiles) {
    const name = relative(out, f.path);
    files.set(`assets/${name}`, Buffer.from(f.contents));
    const meta = result.metafile.outputs[relative(root, f.path)];
    if (meta?.entryPoint !== undefined && name.endsWith('.js')) {
      script = name;
      if (meta.cssBundle !== undefined) style = basename(meta.cssBundle);
    }
  }
  if (script === null) throw new Error('esbuild made no script');
  files.set('index.html', Buffer.from(indexHtml(readFileSync(join(root, 'src', 'ui', 'index.html'), 'utf8'), script, style)));
  return files;
}

/**
 * Bundles in .build/ui made over a day ago are removed (a running master holds its own in memory),
 * and directories another process left half-written over an hour ago.
 */
function removeStaleBundles(parent: string, keep: string, now: number): void {
  for (const name of readdirSync(parent)) {
    if (name === keep) continue;
    const p = join(parent, name);
    try {
      const age = now - statSync(p).mtimeMs;
      if (age > (name.startsWith('.tmp-') ? 3600_000 : 24 * 3600_000)) rmSync(p, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
}

function fromFiles(files: Map<string, Buffer>, key: string): UiBundle {
  const assets = new Map<string, UiFile>();
  let index: UiFile | null = null;
  for (const [name, body] of files) {
    if (name === 'index.html') index = uiFile(body, 'text/html; charset=utf-8');
    else {
      const type = CONTENT_TYPES[/\.[a-z0-9]+$/.exec(name)?.[0] ?? ''];
      if (type) assets.set(name.slice('assets/'.length), uiFile(body, type));
    }
  }
  if (!index) throw new Error('no index.html');
  return { ok: true, key, index, assets };
}

/**
 * The UI bundle for this checkout: the cached one when the sources are unchanged, else made now
 * (and cached). Never throws: a failure is `{ ok: false, reason }`, logged.
 */
export async function loadUiBundle(log: Pick<Logger, 'info' | 'warn' | 'error'>, root = findUiSources()): Promise<UiBundle> {
  if (root === null) return { ok: false, reason: 'the web UI sources (src/ui) are not beside this program' };
  let key: string;
  try {
    key = uiSourceKey(root);
  } catch (e) {
    log.error({ err: e }, 'cannot read the web UI sources');
    return { ok: false, reason: `cannot read the web UI sources: ${(e as Error).message}` };
  }
  const parent = join(root, '.build', 'ui');
  const dir = join(parent, key);
  if (existsSync(join(dir, 'index.html'))) {
    try {
      return readBundle(dir, key);
    } catch (e) {
      log.warn({ err: e, dir }, 'the cached web UI bundle is unreadable; making it again');
    }
  }
  const started = Date.now();
  let files: Map<string, Buffer>;
  try {
    files = await compile(root);
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const first = errors?.[0];
    const reason = first ? `${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}` : (e as Error).message;
    log.error({ err: e }, `cannot build the web UI: ${reason}`);
    return { ok: false, reason: `the web UI could not be built: ${reason}` };
  }
  try {
    mkdirSync(parent, { recursive: true });
    const tmp = join(parent, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    for (const [name, body] of files) {
      mkdirSync(dirname(join(tmp, name)), { recursive: true });
      writeFileSync(join(tmp, name), body);
    }
    try {
      renameSync(tmp, dir);
    } catch {
      // Another process put the same bundle in place first: same sources, same files.
      rmSync(tmp, { recursive: true, force: true });
    }
    removeStaleBundles(parent, key, Date.now());
  } catch (e) {
    log.warn({ err: e, dir }, 'cannot cache the web UI bundle; serving it from memory');
  }
  log.info({ ms: Date.now() - started, key }, 'web UI built');
  return fromFiles(files, key);
}
