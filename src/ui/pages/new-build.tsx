/**
 * A new build: git sources (URL and ref) and SRPM files (uploaded first with POST /srpms), the
 * platforms to build for, the arches (every build arch of the chosen platforms unless the user
 * leaves some out; each platform builds those of its own arches that the SRPM's
 * BuildArch/ExclusiveArch allow, noarch packages once), priority and visibility. Submitting is POST /api/v1/builds (maintainers); the new
 * build's page opens.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { BuildView, PlatformView } from '../api-types.ts';
import { ErrorBox, Loading } from '../components.tsx';
import { useRequest, useResource, useTitle } from '../hooks.ts';
import { Link, navigate } from '../router.ts';
import { hasRole, useSession } from '../session.ts';

interface SourceRow {
  key: number;
  url: string;
  ref: string;
}

export function NewBuildPage(): JSX.Element {
  useTitle('New build');
  const { api, who } = useSession();
  const platforms = useResource((signal) => api.get<PlatformView[]>('/platforms', undefined, signal), 'platforms');
  const [sources, setSources] = useState<SourceRow[]>([{ key: 1, url: '', ref: 'main' }]);
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [priority, setPriority] = useState('0');
  const [isPublic, setPublic] = useState(true);
  const [explicitOrder, setExplicitOrder] = useState(false);
  const [leftOut, setLeftOut] = useState<string[]>([]);
  const [srpms, setSrpms] = useState<File[]>([]);
  const { busy, error, setError, run } = useRequest();
  const [progress, setProgress] = useState('');

  if (!hasRole(who, 'maintainer')) {
    return (
      <section class="narrow">
        <h1 tabIndex={-1}>New build</h1>
        <p>
          Submitting builds needs the maintainer role.{' '}
          {who.kind === 'user' ? `You are signed in as ${who.name} (${who.role}).` : <Link href="/sign-in?next=/builds/new">Sign in</Link>}
        </p>
      </section>
    );
  }
  const usable = (platforms.data ?? []).filter((p) => p.lifecycleStatus.state !== 'end-of-life');
  // One platform: chosen from the start; several: the user picks.
  const picked = chosen ?? (usable.length === 1 ? usable.map((p) => p.name) : []);
  // The arches of the chosen platforms, all asked for until the user leaves some out.
  const arches = [...new Set(usable.filter((p) => picked.includes(p.name)).flatMap((p) => p.arches.filter((a) => a !== 'noarch')))];
  const asked = arches.filter((a) => !leftOut.includes(a));
  const update = (key: number, change: Partial<SourceRow>): void => setSources((rows) => rows.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    if (picked.length === 0) {
      setError('Choose at least one platform.');
      return;
    }
    if (arches.length > 0 && asked.length === 0) {
      setError('Choose at least one arch.');
      return;
    }
    const filled = sources.filter((s) => s.url.trim() !== '');
    if (filled.length === 0 && srpms.length === 0) {
      setError('Give at least one git URL or SRPM file.');
      return;
    }
    const b = await run(async () => {
      const uploaded: { srpmSha256: string }[] = [];
      for (const [n, f] of srpms.entries()) {
        setProgress(`Uploading ${f.name} (${n + 1} of ${srpms.length})…`);
        uploaded.push({ srpmSha256: (await api.upload<{ sha256: string }>('/srpms', f)).sha256 });
      }
      setProgress('Submitting…');
      return api.send<BuildView>('POST', '/builds', {
        platforms: picked,
        sources: [...filled.map((s) => ({ git: `${s.url.trim()}#${s.ref.trim() || 'HEAD'}` })), ...uploaded],
        priority: Number(priority) || 0,
        public: isPublic,
        ...(explicitOrder && { explicitOrder: true }),
        // Every arch: sent as nothing, so that the build asks for "all" rather than a list.
        ...(asked.length < arches.length && { arches: asked }),
      });
    });
    setProgress('');
    if (b) navigate(`/builds/${b.id}`);
  };
  return (
    <section class="narrow">
      <h1 tabIndex={-1}>New build</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby="new-build-help">
        <p id="new-build-help" class="muted">
          Each source is a git repository holding a spec file (a dist-git layout or SPECS/), at a branch, tag or commit. distforge works out the build order from the
          packages' BuildRequires.
        </p>
        <fieldset>
          <legend>Sources</legend>
          {sources.map((s, n) => (
            <div class="source-row" key={s.key} role="group" aria-label={`Source ${n + 1}`}>
              <div class="field grow">
                <label for={`git-${s.key}`}>Git URL {n + 1}</label>
                <input id={`git-${s.key}`} type="text" inputMode="url" autoComplete="off" spellcheck={false} placeholder="https://git.example.org/rpms/bash.git" value={s.url} onInput={(e) => update(s.key, { url: e.currentTarget.value })} />
              </div>
              <div class="field">
                <label for={`ref-${s.key}`}>Ref {n + 1}</label>
                <input id={`ref-${s.key}`} type="text" autoComplete="off" spellcheck={false} value={s.ref} onInput={(e) => update(s.key, { ref: e.currentTarget.value })} />
              </div>
              {sources.length > 1 && (
                <button type="button" class="button plain" aria-label={`Remove source ${n + 1}`} onClick={() => setSources((rows) => rows.filter((r) => r.key !== s.key))}>
                  Remove
                </button>
              )}
            </div>
          ))}
          <button type="button" class="button plain" onClick={() => setSources((rows) => [...rows, { key: Math.max(...rows.map((r) => r.key)) + 1, url: '', ref: 'main' }])}>
            Add a source
          </button>
          <div class="field">
            <label for="srpms">Or SRPM files</label>
            <input id="srpms" type="file" accept=".src.rpm,application/x-rpm" multiple onChange={(e) => setSrpms([...(e.currentTarget.files ?? [])])} aria-describedby="srpms-help" />
            <span id="srpms-help" class="muted">
              Source packages built elsewhere; each is uploaded, then built like a git source.
            </span>
          </div>
        </fieldset>
        <fieldset>
          <legend>Platforms</legend>
          {!platforms.data && !platforms.error && <Loading what="platforms" />}
          <ErrorBox message={platforms.error} />
          {platforms.data && usable.length === 0 && <p>No platform accepts builds (none defined, or all past their end of life).</p>}
          {usable.map((p) => (
            <label class="check" key={p.name}>
              <input
                type="checkbox"
                name="platform"
                value={p.name}
                checked={picked.includes(p.name)}
                onChange={(e) => setChosen(e.currentTarget.checked ? [...picked, p.name] : picked.filter((x) => x !== p.name))}
              />{' '}
              {p.name} <span class="muted">(arches {p.arches.join(', ')})</span>
            </label>
          ))}
        </fieldset>
        {arches.length > 0 && (
          <fieldset aria-describedby="arches-help">
            <legend>Arches</legend>
            {arches.map((a) => (
              <label class="check" key={a}>
                <input type="checkbox" name="arch" value={a} checked={asked.includes(a)} onChange={(e) => setLeftOut(e.currentTarget.checked ? leftOut.filter((x) => x !== a) : [...leftOut, a])} /> {a}
              </label>
            ))}
            <span id="arches-help" class="muted">
              Each platform builds the chosen arches it has; noarch packages are built once whatever the arches.
            </span>
          </fieldset>
        )}
        <fieldset>
          <legend>Options</legend>
          <div class="field">
            <label for="priority">Priority</label>
            <input id="priority" type="number" min={-1000} max={1000} step={1} value={priority} onInput={(e) => setPriority(e.currentTarget.value)} aria-describedby="priority-help" />
            <span id="priority-help" class="muted">
              Higher is built first (−1000 to 1000).
            </span>
          </div>
          <label class="check">
            <input type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.currentTarget.checked)} /> Public: anyone may read the build, its logs and repositories
          </label>
          <label class="check">
            <input type="checkbox" checked={explicitOrder} onChange={(e) => setExplicitOrder(e.currentTarget.checked)} /> Build the sources one after another, in the order given
          </label>
        </fieldset>
        <ErrorBox message={error} />
        {busy && progress && (
          <p role="status" class="muted">
            {progress}
          </p>
        )}
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Submitting…' : 'Submit build'}
        </button>
      </form>
    </section>
  );
}
