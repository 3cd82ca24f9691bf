/**
 * How the CLI reports errors: one line on stderr, `distforge: [FILE: ]what is wrong[ (offset N)]`,
 * never a token secret, never a stack trace (set DISTFORGE_DEBUG=1 to see one for an unexpected error).
 */
import { SECRET_PATTERN } from '../auth/secrets.ts';
import { DistforgeError } from '../errors.ts';

/** Exit status for a command that ran but found problems (a bad file, a failed check). */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function describe(e: unknown): string {
  if (e instanceof DistforgeError) {
    const offset = (e as { offset?: unknown }).offset;
    return typeof offset === 'number' ? `${e.message} (offset ${offset})` : e.message;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && typeof err.syscall === 'string') {
    const what: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      ENOTDIR: 'not a directory',
      ENOSPC: 'no space left on device',
    };
    return what[err.code] ?? `${err.syscall} failed (${err.code})`;
  }
  return `internal error: ${(e as Error)?.message ?? String(e)}`;
}

/**
 * A reader that stops early (`distforge build list | head -1`, `| true`) closes our output: the
 * command then ends quietly with the status it would have had (0 unless it already failed), never
 * with a stack trace. Anything else going wrong with the output is reported as one line, exit 1.
 */
export function exitQuietlyWhenOutputCloses(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      if (stream !== process.stderr) reportError(e);
      process.exit(1);
    });
  }
}

/** True for errors a user can act on (bad input), false for bugs. */
export function isExpected(e: unknown): boolean {
  if (e instanceof DistforgeError) return true;
  const err = e as NodeJS.ErrnoException;
  return Boolean(err && typeof err === 'object' && typeof err.code === 'string' && typeof err.syscall === 'string');
}

/** A message as one line, with anything shaped like a token secret left out. */
function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ').replace(SECRET_PATTERN, 'df_…');
}

/** Prints `distforge: [subject: ]message` for an error: one line, never a token secret. */
export function reportError(e: unknown, subject?: string): void {
  const prefix = subject ? `${subject}: ` : '';
  process.stderr.write(`distforge: ${oneLine(`${prefix}${describe(e)}`)}\n`);
  if (!isExpected(e) && process.env.DISTFORGE_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
}
