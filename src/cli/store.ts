/**
 * `distforge store …`: the artifact store's housekeeping, through the master's API (admin).
 * `store gc` deletes the blobs nothing names and nobody wrote within the grace period; with
 * `--dry-run` it only lists them. One collection runs at a time across every master sharing the
 * database: another one running is a one-line refusal.
 */
import { Command } from 'commander';
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS, MIN_GRACE_SECONDS } from '../blob-refs/grace.ts';
import type { StoreGcReport } from '../blob-refs/store-gc.ts';
import { UsageError } from '../errors.ts';
import { clientFrom, printJson, printTable, withClientOptions, type ClientFlags } from './client.ts';
import { formatDurationSeconds, parseDurationSeconds } from './duration.ts';

interface GcFlags extends ClientFlags {
  dryRun?: boolean;
  grace?: string;
  json?: boolean;
}

/** 1536 → `1.5 KiB`; below a KiB, bytes. */
function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  const exp = Math.min(units.length, Math.floor(Math.log2(n) / 10));
  return `${(n / 1024 ** exp).toFixed(1)} ${units[exp - 1] ?? 'TiB'}`;
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The report as people read it: the blobs, then one summary line. */
function printReport(r: StoreGcReport): void {
  if (r.blobs.length > 0) printTable(['SHA256', 'SIZE', 'AGE'], r.blobs.map((b) => [b.sha256, bytes(b.size), formatDurationSeconds((r.startedAt - b.modifiedAt) / 1000)]));
  const kept = `${plural(r.scanned.blobs, 'blob')} (${bytes(r.scanned.bytes)}) in the store: ${r.referenced.blobs} referenced, ${r.recent.blobs} younger than the grace period of ${formatDurationSeconds(r.graceSeconds)} or written while a task ran`;
  const what = r.blobs.length === 0 ? 'nothing to remove' : `${r.dryRun ? 'would remove' : 'removed'} ${plural(r.blobs.length, 'blob')}, ${r.dryRun ? 'freeing' : 'freed'} ${bytes(r.bytes)}`;
  process.stdout.write(`${what}; ${kept}\n`);
  if (r.spared > 0) process.stdout.write(`${plural(r.spared, 'blob')} kept after all: named or stored again since the listing\n`);
}

/** The grace period a flag gives (default a day), checked. @throws UsageError */
export function graceFlag(flag: string, text: string | undefined): number {
  if (text === undefined) return DEFAULT_GRACE_SECONDS;
  const seconds = parseDurationSeconds(flag, text);
  if (seconds < MIN_GRACE_SECONDS) throw new UsageError(`${flag}: at least ${formatDurationSeconds(MIN_GRACE_SECONDS)} (a blob just uploaded is recorded a moment later), not ${text}`);
  if (seconds > MAX_GRACE_SECONDS) throw new UsageError(`${flag}: at most ${formatDurationSeconds(MAX_GRACE_SECONDS)}, not ${text}`);
  return seconds;
}

function gcCommand(): Command {
  return withClientOptions(new Command('gc'))
    .description(`delete the blobs no build, release, lookaside file or log names and that were written longer ago than the grace period (admin); one collection at a time across all masters`)
    .option('--dry-run', 'only list what would be deleted, and the space it would free')
    .option('--grace <duration>', `keep blobs written within this long, e.g. 2h, 3d (default ${formatDurationSeconds(DEFAULT_GRACE_SECONDS)}, at least ${formatDurationSeconds(MIN_GRACE_SECONDS)})`)
    .option('--json', 'print the report as JSON')
    .action(async (flags: GcFlags) => {
      const graceSeconds = graceFlag('--grace', flags.grace);
      const client = clientFrom(flags, { needsToken: true });
      const report = await client.post<StoreGcReport>('/store/gc', { dryRun: flags.dryRun === true, graceSeconds });
      if (flags.json) printJson(report);
      else printReport(report);
    });
}

export function storeCommand(): Command {
  const store = new Command('store');
  store.addCommand(gcCommand());
  return store;
}
