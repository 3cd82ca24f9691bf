/**
 * Live progress for the commands that wait (`build submit --wait`, `build sign --wait`, `build
 * test --wait`, `release commit`, the first start of `up`), in the spirit of `koji watch-task`.
 *
 * Terminology:
 * - **live**: standard error is a terminal (not TERM=dumb) and the command was not asked for
 *   `--json`. Only then does anything here draw; otherwise the commands print exactly what they
 *   always printed, so pipes, files and scripts see no escape sequences and no extra lines.
 * - **status lines**: one to a few lines at the bottom of the terminal, redrawn in place (each
 *   second, and whenever the command learns something): counts, what runs now, the time taken.
 *   They are cleared when the command ends, so only its permanent lines stay on the screen.
 * - **permanent line**: a line that stays: what the command always printed (`print`, in every
 *   mode), and, when live, what happened meanwhile worth keeping, such as a failure (`note`).
 *
 * Lines are cut to the terminal's width (they never wrap, so the redraw knows what to erase; a
 * cut line ends in `…`, or `~` outside a UTF-8 locale),
 * control characters from the server (a package name, a failure reason) are shown as `?` on a
 * terminal, and colour is left out when NO_COLOR is set (https://no-color.org).
 */
import { Writable } from 'node:stream';

const SPINNER = ['-', '\\', '|', '/'];
const TICK_MS = 1000;
/** Columns assumed when the terminal does not say (a pseudo-terminal without a size). */
const DEFAULT_COLUMNS = 80;
/** C0 and C1 controls, DEL, and the invisible formatting characters (util/text.ts's set). */
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** The terminal a Progress draws on: process.stderr, or a stand-in in unit tests. */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** `--json` was given: never live. */
  json?: boolean;
  /** Where status lines and notes go (default process.stderr). */
  stream?: ProgressStream;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Redraw every second (default true; unit tests draw by hand). */
  tick?: boolean;
}

/** How one piece of a status line or note is shown: plain, or in one of a few styles. */
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow';
const SGR: Record<Style, [string, string]> = {
  bold: ['\x1b[1m', '\x1b[22m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  red: ['\x1b[31m', '\x1b[39m'],
  green: ['\x1b[32m', '\x1b[39m'],
  yellow: ['\x1b[33m', '\x1b[39m'],
};

/** A line as pieces, each plain or styled: `['build 4: ', ['failed', 'red']]`. */
export type Line = string | (string | [string, Style])[];

/** "7s", "1m05s", "2h03m". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/** `[#####---------------]`: `done` of `total` as a bar `width` wide. */
export function bar(done: number, total: number, width = 20): string {
  const full = total <= 0 ? 0 : Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

/** Whether a command should draw live progress on `stream` (see the module's Terminology). */
export function isLive(stream: ProgressStream, env: NodeJS.ProcessEnv, json = false): boolean {
  return !json && stream.isTTY === true && env.TERM !== 'dumb';
}

/** Live progress of one waiting command (see the module's description). */
export class Progress {
  /** Drawing status lines and notes (a terminal, no --json). */
  readonly live: boolean;
  readonly color: boolean;
  /** When the command started waiting (ms). */
  readonly startedAt: number;
  readonly now: () => number;
  readonly #stream: ProgressStream;
  #render: ((width: number) => Line[]) | null = null;
  /** Lengths of the status lines on the screen now (empty: none drawn). */
  #drawn: number[] = [];
  #frame = 0;
  #timer: NodeJS.Timeout | null = null;
  #ended = false;
  readonly #tick: boolean;
  /** What ends a cut line: `…` where the locale is UTF-8, else `~`. */
  readonly #ellipsis: string;
  readonly #onSigint = (): void => {
    // Ctrl-C: leave the screen clean, then die of the signal as the command would have.
    this.end();
    process.kill(process.pid, 'SIGINT');
  };

  constructor(options: ProgressOptions = {}) {
    const env = options.env ?? process.env;
    this.#stream = options.stream ?? process.stderr;
    this.live = isLive(this.#stream, env, options.json);
    this.color = this.live && !env.NO_COLOR;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.#tick = options.tick ?? true;
    this.#ellipsis = /utf-?8/i.test(env.LC_ALL || env.LC_CTYPE || env.LANG || '') ? '…' : '~';
  }

  /** Time since the command started waiting, as "1m05s". */
  elapsed(since = this.startedAt): string {
    return formatElapsed(this.now() - since);
  }

  /**
   * Shows the status lines `render` returns (given the width they have), now and every second
   * until {@link end}; a spinner leads the first. Does nothing unless live.
   */
  status(render: (width: number) => Line[]): void {
    if (!this.live || this.#ended) return;
    this.#render = render;
    if (this.#tick && this.#timer === null) {
      this.#timer = setInterval(() => this.#redraw(true), TICK_MS).unref();
      process.on('SIGINT', this.#onSigint);
    }
    this.#redraw(false);
  }

  /**
   * A permanent line, printed in every mode: to `to` (default the progress stream), above the
   * status lines when live. Written as given, byte for byte, unless it goes to a terminal while
   * live (then control characters show as `?`).
   */
  print(text: string, to: { write(text: string): boolean; isTTY?: boolean } = this.#stream): void {
    const line = this.live && (to === this.#stream || to.isTTY === true) ? `${this.#safe(text)}\n` : `${text}\n`;
    if (!this.live || this.#drawn.length === 0) {
      to.write(line);
      return;
    }
    this.#stream.write(this.#erase());
    this.#drawn = [];
    to.write(line);
    this.#redraw(false);
  }

  /** A permanent line printed only when live (a failure as it happens), styled when colour is on. */
  note(line: Line): void {
    if (!this.live) return;
    this.#stream.write(`${this.#erase()}${this.#format(line, Infinity).text}\n`);
    this.#drawn = [];
    this.#redraw(false);
  }

  /**
   * A stream whose lines are printed with {@link print} onto `to`: for a logger writing to the
   * same terminal while the status lines are drawn.
   */
  lines(to: { write(text: string): boolean }): Writable {
    let pending = '';
    return new Writable({
      decodeStrings: false,
      write: (chunk: Buffer | string, _encoding, done) => {
        pending += chunk.toString();
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const p of parts) this.print(p, to);
        done();
      },
      final: (done) => {
        if (pending !== '') this.print(pending, to);
        done();
      },
    });
  }

  /** Clears the status lines and stops redrawing; later calls do nothing. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    process.off('SIGINT', this.#onSigint);
    if (this.#drawn.length > 0) this.#stream.write(this.#erase());
    this.#drawn = [];
  }

  #columns(): number {
    const c = this.#stream.columns;
    return typeof c === 'number' && c > 0 ? c : DEFAULT_COLUMNS;
  }

  #safe(text: string): string {
    return text.replace(CONTROL, (c) => (c === '\t' ? ' ' : '?'));
  }

  /** The line cut to `width` characters (the last one `…` when cut), styled when colour is on; and its length. */
  #format(line: Line, width: number): { text: string; length: number } {
    const pieces = typeof line === 'string' ? [line] : line;
    let left = width;
    let length = 0;
    let out = '';
    for (const piece of pieces) {
      if (left <= 0) break;
      const [raw, style] = typeof piece === 'string' ? [piece, undefined] : piece;
      let chars = [...this.#safe(raw)];
      if (chars.length > left) chars = [...chars.slice(0, Math.max(0, left - 1)), this.#ellipsis];
      left -= chars.length;
      length += chars.length;
      const text = chars.join('');
      out += style !== undefined && this.color ? `${SGR[style][0]}${text}${SGR[style][1]}` : text;
    }
    return { text: out, length };
  }

  /** What erases the status lines drawn (the cursor is at the end of the last one). */
  #erase(): string {
    if (this.#drawn.length === 0) return '';
    // A line cut to the width takes one row; a narrower terminal since then may have wrapped it.
    const columns = this.#columns();
    const rows = this.#drawn.reduce((n, len) => n + Math.max(1, Math.ceil(len / columns)), 0);
    return `\r\x1b[2K${'\x1b[1A\x1b[2K'.repeat(rows - 1)}`;
  }

  #redraw(advance: boolean): void {
    if (this.#render === null || this.#ended) return;
    if (advance) this.#frame = (this.#frame + 1) % SPINNER.length;
    // One column short of the edge: writing into the last column makes some terminals wrap.
    const width = this.#columns() - 1;
    const lines = this.#render(width - 2).map((l, i) => (i === 0 ? ([`${SPINNER[this.#frame] ?? '-'} `, ...(typeof l === 'string' ? [l] : l)] as Line) : l));
    const formatted = lines.map((l) => this.#format(l, width));
    this.#stream.write(`${this.#erase()}${formatted.map((f) => f.text).join('\n')}`);
    this.#drawn = formatted.map((f) => f.length);
  }
}
