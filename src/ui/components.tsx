/** Small pieces every page uses: state badges, errors, loading notes, actions with a confirmation. */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from './api.ts';

/** A state as a word in a coloured badge (the word carries the meaning; the colour only helps). */
export function StateBadge({ state, label }: { state: string; label?: string }): JSX.Element {
  return <span class={`badge state-${state.replace(/[^a-z-]/g, '')}`}>{label ?? state}</span>;
}

export function ErrorBox({ message }: { message: string | null }): JSX.Element | null {
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

export function Loading({ what }: { what: string }): JSX.Element {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** A table that scrolls sideways on a narrow screen instead of widening the page. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }): JSX.Element {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export interface ActionProps {
  label: string;
  /** Runs the action; its answer (a line for the user) is shown when it succeeds. */
  run: () => Promise<string | void>;
  /** Asks first: the question, and the label of the button that confirms. */
  confirm?: { question: string; yes: string };
  kind?: 'primary' | 'danger' | 'plain';
  onDone?: () => void;
}

/**
 * A button for a server action: busy while it runs, the server's refusal shown beside it, and for
 * actions that destroy or publish something a second, explicit confirmation.
 */
export function Action({ label, run, confirm, kind = 'plain', onDone }: ActionProps): JSX.Element {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  // The focus follows the question (the button that asked it is gone meanwhile) and comes back.
  const yesRef = useRef<HTMLButtonElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (asking) yesRef.current?.focus();
    else if (asked.current) buttonRef.current?.focus();
    asked.current = asking;
  }, [asking]);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const go = async (): Promise<void> => {
    setAsking(false);
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const said = await run();
      if (said) setNote(said);
      onDone?.();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      {asking && confirm ? (
        <span class="confirm" role="group" aria-label={confirm.question}>
          <span>{confirm.question}</span>
          <button type="button" ref={yesRef} class={`button ${kind}`} onClick={() => void go()}>
            {confirm.yes}
          </button>
          <button type="button" class="button plain" onClick={() => setAsking(false)}>
            Keep
          </button>
        </span>
      ) : (
        <button type="button" ref={buttonRef} class={`button ${kind}`} disabled={busy} aria-busy={busy} onClick={() => (confirm ? setAsking(true) : void go())}>
          {busy ? `${label}…` : label}
        </button>
      )}
      {error && (
        <span class="error inline" role="alert">
          {error}
        </span>
      )}
      {note && (
        <span class="note inline" role="status">
          {note}
        </span>
      )}
    </span>
  );
}

/** A term and its value in a <dl>. */
export function Fact({ term, children }: { term: string; children: ComponentChildren }): JSX.Element {
  return (
    <div class="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
