/** Small pieces every page uses: state badges, errors, loading notes, actions with a confirmation. */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useRequest } from './hooks.ts';

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
  /** The button's accessible name when the label alone is ambiguous (one button per table row); it should start with the label. */
  ariaLabel?: string;
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
export function Action({ label, ariaLabel, run, confirm, kind = 'plain', onDone }: ActionProps): JSX.Element {
  const [asking, setAsking] = useState(false);
  const { busy, error, run: request } = useRequest();
  const [note, setNote] = useState<string | null>(null);
  // The focus follows the question (the button that asked it is gone meanwhile) and comes back.
  const yesRef = useRef<HTMLButtonElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (asking) yesRef.current?.focus();
    else if (asked.current) buttonRef.current?.focus();
    asked.current = asking;
  }, [asking]);
  const go = async (): Promise<void> => {
    setAsking(false);
    setNote(null);
    const done = await request(async () => ({ said: await run() }));
    if (!done) return;
    if (done.said) setNote(done.said);
    onDone?.();
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
        <button type="button" ref={buttonRef} class={`button ${kind}`} disabled={busy} aria-busy={busy} aria-label={ariaLabel} onClick={() => (confirm ? setAsking(true) : void go())}>
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

/** A table's column headers; `false` leaves a column out. */
export function TableHead({ columns }: { columns: (string | false)[] }): JSX.Element {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          c === false ? null : (
            <th scope="col" key={c}>
              {c}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}

/** The <option>s of a select: each value (shown as `label` makes it), with `first` (value "") before them. */
export function Options<T extends string>({ values, label = (v) => v, first }: { values: readonly T[]; label?: (v: T) => string; first?: string }): JSX.Element {
  return (
    <>
      {first !== undefined && <option value="">{first}</option>}
      {values.map((v) => (
        <option key={v} value={v}>
          {label(v)}
        </option>
      ))}
    </>
  );
}

/** The <option>s of a platform select (with "any" first when `any`). */
export function PlatformOptions({ names, any = false }: { names: string[]; any?: boolean }): JSX.Element {
  return <Options values={names} {...(any && { first: 'any' })} />;
}

/** A page's heading (focused after a navigation) with its actions beside it. */
export function PageHead({ children, actions }: { children: ComponentChildren; actions?: ComponentChildren }): JSX.Element {
  return (
    <div class="page-head">
      <h1 tabIndex={-1}>{children}</h1>
      {actions}
    </div>
  );
}

/** A page whose subject has not loaded: its heading and the error or a loading note. */
export function NotLoaded({ title, what, error }: { title: string; what: string; error: string | null }): JSX.Element {
  return (
    <section>
      <h1 tabIndex={-1}>{title}</h1>
      <ErrorBox message={error} />
      {!error && <Loading what={what} />}
    </section>
  );
}
