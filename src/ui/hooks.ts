/** Data loading for pages: a request tied to the component's life, reloadable, refreshed on a timer. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage } from './api.ts';

/** How soon a load refused with 503 (the master still starting, or busy) is tried again. */
const UNAVAILABLE_RETRY_MS = 3000;

export interface Resource<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  /** Loads again (keeping the data shown meanwhile). */
  reload(): void;
}

/**
 * Runs `load` now and whenever `key` changes; with `refreshMs` (a function of the data, so a page
 * can refresh only while something runs), again after that long. With `retryMs`, a load that
 * failed for want of an answer (the master unreachable, restarting: no answer or a 5xx) is tried
 * again after that long, the last data kept meanwhile. A newer load wins over an older.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, key: string, refreshMs?: (data: T) => number | null, retryMs?: () => number | null): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: string | null; loading: boolean; key: string }>({ data: undefined, error: null, loading: true, key });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const refreshRef = useRef(refreshMs);
  refreshRef.current = refreshMs;
  const retryRef = useRef(retryMs);
  retryRef.current = retryMs;
  useEffect(() => {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState((s) => (s.key === key ? { ...s, loading: true } : { data: undefined, error: null, loading: true, key }));
    loadRef.current(ac.signal).then(
      (data) => {
        if (ac.signal.aborted) return;
        setState({ data, error: null, loading: false, key });
        const again = refreshRef.current?.(data);
        if (again !== null && again !== undefined) timer = setTimeout(() => setTick((t) => t + 1), again);
      },
      (e: unknown) => {
        if (ac.signal.aborted) return;
        setState((s) => ({ ...s, error: errorMessage(e), loading: false, key }));
        // `distforge up` answers 503 until its first start is done: try again until it is.
        if (e instanceof ApiError && e.status === 503) timer = setTimeout(() => setTick((t) => t + 1), UNAVAILABLE_RETRY_MS);
        else if (!(e instanceof ApiError && e.status < 500)) {
          const again = retryRef.current?.();
          if (again !== null && again !== undefined) timer = setTimeout(() => setTick((t) => t + 1), again);
        }
      },
    );
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.key === key ? state.data : undefined, error: state.key === key ? state.error : null, loading: state.loading, reload };
}

export interface Request {
  busy: boolean;
  error: string | null;
  setError(message: string | null): void;
  /** Runs `work`: busy meanwhile; an error it throws becomes `error` (and the result undefined). */
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
}

/** A request a form or a button makes: busy while it runs, its refusal as a message. */
export function useRequest(): Request {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async <T,>(work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await work();
    } catch (e) {
      setError(errorMessage(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** Sets the document title (and restores nothing: every page sets its own). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · distforge`;
  }, [title]);
}

/** Whether the page is visible (not a background tab, not a minimised window); follows changes. */
export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = (): void => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}
