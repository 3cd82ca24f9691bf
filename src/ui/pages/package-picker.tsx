/**
 * The advisory editor's package picker: the packages chosen (each removable), and a search of the
 * platform's builds (GET /api/v1/builds?platform=P&q=TEXT: builds that made a package whose NEVRA
 * starts with the text) listing the packages each matched, to choose with a checkbox. NEVRAs are
 * picked from what was built, epoch included, instead of typed; the server checks again that each
 * is a built package of the platform.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { BuildPage } from '../api-types.ts';
import { ErrorBox, StateBadge } from '../components.tsx';
import { useResource } from '../hooks.ts';
import { Link } from '../router.ts';
import { useSession } from '../session.ts';

/** Builds searched at once; the feed lists at most 10 matching packages of each. */
const BUILDS = 20;
/** How long typing pauses before the search runs. */
const PAUSE_MS = 300;

export interface PackagePickerProps {
  platform: string;
  chosen: string[];
  onChange(chosen: string[]): void;
}

function Found({ platform, query, chosen, onChange }: PackagePickerProps & { query: string }): JSX.Element | null {
  const { api } = useSession();
  const found = useResource((signal) => (query ? api.get<BuildPage>('/builds', { platform, q: query, limit: BUILDS }, signal) : Promise.resolve(null)), `${platform}|${query}`);
  if (!query) return null;
  const builds = (found.data?.builds ?? []).filter((b) => (b.matches ?? []).length > 0);
  const toggle = (nevra: string, on: boolean): void => onChange(on ? [...chosen.filter((n) => n !== nevra), nevra] : chosen.filter((n) => n !== nevra));
  return (
    <div class="picker-found">
      <ErrorBox message={found.error} />
      <p role="status" class="muted">
        {found.loading && !found.data
          ? 'Searching…'
          : found.data
            ? builds.length === 0
              ? `No built package of ${platform} starts with “${query}”.`
              : `Packages of ${builds.length} build${builds.length === 1 ? '' : 's'} of ${platform} start with “${query}”.`
            : ''}
      </p>
      {builds.map((b) => {
        const matches = b.matches ?? [];
        const missing = matches.filter((n) => !chosen.includes(n));
        return (
          <fieldset key={b.id} class="picker-build">
            <legend>
              Build #{b.id} {b.packages.length > 0 && `(${b.packages.slice(0, 3).join(', ')})`} <StateBadge state={b.state} />
            </legend>
            {matches.map((n) => (
              <label class="check break" key={n}>
                <input type="checkbox" checked={chosen.includes(n)} onChange={(e) => toggle(n, e.currentTarget.checked)} /> {n}
              </label>
            ))}
            <div class="actions">
              {missing.length > 1 && (
                <button type="button" class="button plain" onClick={() => onChange([...chosen, ...missing])}>
                  Choose all {matches.length} of build #{b.id}
                </button>
              )}
              <Link href={`/builds/${b.id}`} target="_blank" rel="noopener">
                Open build #{b.id}
              </Link>
            </div>
          </fieldset>
        );
      })}
      {builds.some((b) => (b.matches ?? []).length >= 10) && <p class="muted small">A build shows at most 10 matching packages: type more of a name to see others.</p>}
    </div>
  );
}

export function PackagePicker(props: PackagePickerProps): JSX.Element {
  const { platform, chosen, onChange } = props;
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQuery(text.trim()), PAUSE_MS);
    return () => clearTimeout(t);
  }, [text]);
  return (
    <fieldset>
      <legend>Packages</legend>
      {chosen.length === 0 ? (
        <p class="muted">No package chosen yet: find the built packages the advisory covers below.</p>
      ) : (
        <ul class="chosen" aria-label="Chosen packages">
          {chosen.map((n) => (
            <li key={n}>
              <span class="break">{n}</span>{' '}
              <button type="button" class="button plain" aria-label={`Remove ${n}`} onClick={() => onChange(chosen.filter((x) => x !== n))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="field grow">
        <label for="picker-q">Find built packages of {platform || 'the platform'}</label>
        <input
          id="picker-q"
          type="search"
          autoComplete="off"
          spellcheck={false}
          maxLength={512}
          value={text}
          disabled={!platform}
          placeholder="a package name or the start of a NEVRA"
          aria-describedby="picker-help"
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            // Enter searches now instead of submitting the advisory.
            if (e.key === 'Enter') {
              e.preventDefault();
              setQuery(text.trim());
            }
          }}
        />
        <span id="picker-help" class="muted small">
          Searches the builds of the platform as the builds feed does; choose each package the advisory covers (binary and source packages).
        </span>
      </div>
      <Found platform={platform} query={query} chosen={chosen} onChange={onChange} />
    </fieldset>
  );
}
