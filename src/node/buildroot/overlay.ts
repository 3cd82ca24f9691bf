/**
 * Copy-on-write views of a cached root: an overlayfs mount whose lower layer is the cached root
 * (never written: every change lands in the task's upper layer), mounted for one task and removed
 * after it. A node killed in the middle leaves its mounts behind; `unmountStaleSync` removes every
 * mount under its work root when it starts again (work-root.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Characters overlayfs mount options cannot carry in a path. */
const UNSAFE = /[,:\\\n]/;

export interface Overlay {
  /** The merged view (the task's root). */
  merged: string;
  upper: string;
}

/**
 * Mounts `lower` copy-on-write at DIR/merged (upper and work directories beside it).
 * @throws Error naming mount's reason (not root, no overlayfs, a path overlayfs cannot take)
 */
export async function mountOverlay(lower: string, dir: string): Promise<Overlay> {
  const upper = join(dir, 'upper');
  const work = join(dir, 'work');
  const merged = join(dir, 'merged');
  for (const p of [lower, upper, work, merged]) if (UNSAFE.test(p)) throw new Error(`overlayfs cannot take the path ${JSON.stringify(p)}`);
  for (const d of [upper, work, merged]) mkdirSync(d, { recursive: true });
  // The upper layer's top is the root's `/`: readable by the sandbox user whatever the umask.
  chmodSync(upper, 0o755);
  chmodSync(merged, 0o755);
  try {
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
  } catch (e) {
    const why = ((e as { stderr?: string }).stderr ?? (e as Error).message).trim();
    throw new Error(`cannot mount the build root's overlay: ${why}`, { cause: e });
  }
  return { merged, upper };
}

/** Unmounts an overlay (lazily when it is still busy). Never throws. */
export async function unmountOverlay(o: Pick<Overlay, 'merged'>): Promise<void> {
  try {
    await run('umount', [o.merged]);
  } catch {
    await run('umount', ['-l', o.merged]).catch(() => undefined);
  }
}

/** Mount points under `dir` (this process's view), deepest first. */
export function mountsUnder(dir: string): string[] {
  const base = resolve(dir);
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const points = text
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === base || p.startsWith(`${base}${sep}`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts (lazily) every mount left under `dir` (a killed node's overlays); returns how many. */
export function unmountStaleSync(dir: string): number {
  const points = mountsUnder(dir);
  for (const p of points) {
    try {
      execFileSync('umount', ['-l', p], { stdio: 'ignore' });
    } catch {
      // Already gone, or not ours to unmount: nothing more to do.
    }
  }
  return points.length;
}
