/**
 * What a user sees on a terminal: the output of a command run under a pseudo-terminal (util-linux
 * `script`), and a small screen model that plays back the few control sequences distforge's live
 * progress writes (carriage return, line feed, cursor up, erase line, colours), so a test asserts
 * on the lines left on the screen rather than on escape sequences.
 *
 * ```ts
 * const run = startTty(['build', 'submit', '--wait', …], { env });
 * await run.shows(/1\/2 tasks done/);   // the screen, as drawn so far, has such a line
 * const r = await run.done;             // r.screen: the lines at the end; r.raw: every byte
 * ```
 */
import { execFileSync, spawn } from 'node:child_process';
import { DISTFORGE } from './cli.ts';

/** The SGR (colour) sequences: `\x1b[…m`. */
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

/** The lines a terminal shows after `output` (trailing empty lines left out). */
export function screen(output: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const text = output.replace(SGR, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\x1b') {
      // eslint-disable-next-line no-control-regex
      const m = /^\x1b\[(\d*)([A-Za-z])/.exec(text.slice(i));
      // eslint-disable-next-line no-control-regex
      if (!m && /^\x1b(\[\d*)?$/.test(text.slice(i))) break; // cut off mid-sequence: what is drawn so far
      if (!m) throw new Error(`an escape sequence the screen model does not know at ${JSON.stringify(text.slice(i, i + 12))}`);
      const n = Number(m[1] || '1');
      if (m[2] === 'A') row = Math.max(0, row - n);
      else if (m[2] === 'K') lines[row] = m[1] === '2' ? '' : (lines[row] ?? '').slice(0, col);
      else throw new Error(`an escape sequence the screen model does not know: ${JSON.stringify(m[0])}`);
      i += m[0].length - 1;
    } else if (c === '\r') {
      col = 0;
    } else if (c === '\n') {
      row++;
      col = 0;
      while (lines.length <= row) lines.push('');
    } else {
      const line = (lines[row] ?? '').padEnd(col);
      lines[row] = line.slice(0, col) + c + line.slice(col + 1);
      col++;
    }
  }
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

export interface TtyResult {
  code: number;
  /** Everything written to the terminal, line ends as the program wrote them (`\r\n` → `\n`). */
  raw: string;
  /** The lines on the screen at the end. */
  screen: string[];
}

export interface RunningTty {
  /** Resolves once some state of the screen so far matches `pattern` (rejects if it exits first). */
  shows(pattern: RegExp): Promise<string[]>;
  raw(): string;
  /** Sends `signal` to distforge itself (`script`'s child), as Ctrl-C or `kill` would. */
  signal(signal: NodeJS.Signals): void;
  /** Ends it if it still runs (`script` passes SIGTERM on to distforge) and waits: for a test's clean-up. */
  stop(): Promise<void>;
  done: Promise<TtyResult>;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `distforge ARGS…` on a pseudo-terminal (`script -q -e -c … /dev/null`), `columns` wide:
 * its stdout and stderr are the terminal, as when a user types the command.
 */
export function startTty(args: string[], options: { env?: NodeJS.ProcessEnv; columns?: number; timeoutMs?: number } = {}): RunningTty {
  const command = `stty cols ${options.columns ?? 100} rows 40; exec ${[DISTFORGE, ...args].map(quote).join(' ')}`;
  let written = '';
  // The terminal turns each \n into \r\n (onlcr): undone, to see what the program wrote.
  const output = (): string => written.replace(/\r\n/g, '\n');
  let exited = false;
  const watchers: (() => void)[] = [];
  let scriptPid: number | undefined;
  let stopScript = (): void => undefined;
  const done = new Promise<TtyResult>((resolve, fail) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    scriptPid = child.pid;
    stopScript = () => void child.kill('SIGTERM');
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      written += d;
      for (const w of watchers) w();
    });
    child.stderr.resume();
    child.on('error', fail);
    child.on('close', (code, signal) => {
      exited = true;
      for (const w of watchers) w();
      resolve({ code: code ?? (signal ? 128 : 1), raw: output(), screen: screen(output()) });
    });
  });
  return {
    raw: output,
    stop: async () => {
      if (!exited) stopScript();
      await done.catch(() => undefined);
    },
    signal: (signal) => {
      // The command line execs distforge (bin/distforge execs node): script's one child is it.
      const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(scriptPid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
      if (pids.length !== 1 || !pids[0]) throw new Error(`script ${scriptPid} has children ${pids.join(', ')}`);
      process.kill(pids[0], signal);
    },
    shows: (pattern) =>
      new Promise((ok, fail) => {
        // Every state the screen went through (each just before an erase), then the screen now:
        // a status line may be drawn and replaced between two looks.
        let from = 0;
        let settled = false;
        const check = (): void => {
          if (settled) return;
          settled = true;
          const out = output();
          for (let next = out.indexOf('\x1b[2K', from); next >= 0; next = out.indexOf('\x1b[2K', from)) {
            const then = screen(out.slice(0, next));
            if (then.some((l) => pattern.test(l))) return ok(then);
            from = next + 1;
          }
          const now = screen(out);
          if (now.some((l) => pattern.test(l))) return ok(now);
          if (exited) return fail(new Error(`distforge ${args.join(' ')} ended without showing ${pattern}:\n${now.join('\n')}`));
          settled = false;
        };
        watchers.push(check);
        check();
      }),
    done,
  };
}
