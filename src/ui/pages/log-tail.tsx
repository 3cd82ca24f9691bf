/**
 * A task's log, live: read from the master's event stream (GET /builds/:id/logs/stream?task=N)
 * as the node sends it, resumed after the last chunk when the connection drops, ended when the
 * task has ended. The view draws only the lines in sight (plus a margin), so a log of several MB
 * scrolls as smoothly as a short one; it follows the end until the reader scrolls up.
 */
import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api.ts';
import type { LogChunk, TaskView } from '../api-types.ts';
import { useSession } from '../session.ts';

/** Height of one line in px; the stylesheet's .log-line has the same. */
const LINE = 18;
const MARGIN = 30;
const ENDED = new Set(['succeeded', 'failed', 'cancelled']);
// Terminal colour and cursor sequences are not shown.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

/** A log as lines, appended to chunk by chunk (a chunk may end in the middle of a line). */
export class LogLines {
  readonly lines: string[] = [];
  private partial = '';

  push(text: string): void {
    const parts = (this.partial + text.replace(ANSI, '')).split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.lines.push(lastOverwrite(p));
  }

  get count(): number {
    return this.lines.length + (this.partial === '' ? 0 : 1);
  }

  line(i: number): string {
    return i < this.lines.length ? (this.lines[i] ?? '') : lastOverwrite(this.partial);
  }
}

/** What a terminal would show of a line rewritten with carriage returns (progress bars). */
function lastOverwrite(line: string): string {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const at = text.lastIndexOf('\r');
  return at < 0 ? text : text.slice(at + 1);
}

function LogView({ log, version, label }: { log: LogLines; version: number; label: string }): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 400 });
  const [follow, setFollow] = useState(true);
  const total = log.count;
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (follow) el.scrollTop = el.scrollHeight;
    setView({ top: el.scrollTop, height: el.clientHeight });
  }, [version, follow]);
  const onScroll = (): void => {
    const el = box.current;
    if (!el) return;
    setView({ top: el.scrollTop, height: el.clientHeight });
    setFollow(el.scrollTop + el.clientHeight >= el.scrollHeight - LINE);
  };
  const first = Math.max(0, Math.floor(view.top / LINE) - MARGIN);
  const last = Math.min(total, Math.ceil((view.top + view.height) / LINE) + MARGIN);
  const shown: JSX.Element[] = [];
  for (let i = first; i < last; i++) {
    shown.push(
      <div class="log-line" key={i}>
        {log.line(i) || ' '}
      </div>,
    );
  }
  return (
    <>
      {/* A log is not read aloud line by line (role=log would announce every line): the status
          line above says what happens; the region is focusable so it scrolls by keyboard. */}
      <div class="log" ref={box} role="log" aria-live="off" aria-label={label} tabIndex={0} onScroll={onScroll}>
        {total === 0 && <div class="log-empty">No output.</div>}
        <div class="log-space" style={{ height: `${total * LINE}px` }}>
          <div class="log-lines" style={{ top: `${first * LINE}px` }}>
            {shown}
          </div>
        </div>
      </div>
      <div class="log-foot">
        <span class="muted">{total} lines</span>
        <label class="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow the end
        </label>
      </div>
    </>
  );
}

type StreamState = { kind: 'connecting' } | { kind: 'live' } | { kind: 'reconnecting'; why: string } | { kind: 'ended'; state: string } | { kind: 'failed'; why: string };

/** The live log of `task`; `onTaskState` hears every state change the stream reports. */
export function LogTail({ buildId, task, onTaskState }: { buildId: number; task: TaskView; onTaskState?: (state: string) => void }): JSX.Element {
  const { api } = useSession();
  const [log, setLog] = useState(() => new LogLines());
  const [version, setVersion] = useState(0);
  const [stream, setStream] = useState<StreamState>({ kind: 'connecting' });
  const [generation, setGeneration] = useState(0);
  const onState = useRef(onTaskState);
  onState.current = onTaskState;

  // A task run again after it ended (retried) gets a new log: read it from the start.
  const live = !ENDED.has(task.state);
  useEffect(() => {
    if (live && stream.kind === 'ended') setGeneration((g) => g + 1);
  }, [live, stream.kind]);

  useEffect(() => {
    const ac = new AbortController();
    const lines = new LogLines();
    setLog(lines);
    setVersion(0);
    setStream({ kind: 'connecting' });
    let lastSeq: number | undefined;
    let frame = 0;
    const redraw = (): void => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setVersion((v) => v + 1);
      });
    };
    const run = async (): Promise<void> => {
      for (let tries = 0; !ac.signal.aborted; tries++) {
        let ended = false;
        try {
          await api.stream(`/builds/${buildId}/logs/stream`, { task: task.id, after: lastSeq }, (e) => {
            if (e.event === 'chunk') {
              const c = JSON.parse(e.data) as LogChunk;
              if (lastSeq !== undefined && c.seq <= lastSeq) return;
              lastSeq = c.seq;
              lines.push(c.text);
              redraw();
            } else if (e.event === 'task') {
              onState.current?.((JSON.parse(e.data) as { state: string }).state);
              setStream({ kind: 'live' });
            } else if (e.event === 'end') {
              ended = true;
              setStream({ kind: 'ended', state: (JSON.parse(e.data) as { state: string }).state });
            }
          }, ac.signal);
          if (ended || ac.signal.aborted) return;
          tries = 0;
          setStream({ kind: 'reconnecting', why: 'the stream closed' });
        } catch (e) {
          if (ac.signal.aborted) return;
          if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
            setStream({ kind: 'failed', why: e.message });
            return;
          }
          setStream({ kind: 'reconnecting', why: errorMessage(e) });
        }
        await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** Math.min(tries, 4))));
      }
    };
    void run();
    return () => {
      ac.abort();
      cancelAnimationFrame(frame);
    };
  }, [api, buildId, task.id, generation]);

  const what = `${task.kind} task ${task.id}${task.package ? ` (${task.package} ${task.arch})` : ''}`;
  return (
    <div class="log-tail">
      <p class="log-status" role="status">
        {stream.kind === 'connecting' && 'Connecting to the log…'}
        {stream.kind === 'live' && (live ? 'Live: new lines appear as the node sends them.' : 'Reading the log…')}
        {stream.kind === 'reconnecting' && `Reconnecting (${stream.why})…`}
        {stream.kind === 'ended' && `The task ${stream.state}; this is its whole log.`}
        {stream.kind === 'failed' && `The log cannot be read: ${stream.why}`}
      </p>
      <LogView log={log} version={version} label={`Log of ${what}`} />
    </div>
  );
}
