/**
 * Writing advisories (maintainers): `/errata/new` creates a draft (POST /api/v1/errata) and
 * `/errata/ID/edit` changes one (PATCH /api/v1/errata/ID, only the fields changed). A draft or an
 * approved advisory takes every field (an approved one becomes a draft again); a released one only
 * amendments: its description, its solution and references added. Packages are chosen with the
 * package picker from the platform's builds. What the server refuses is shown as it says it, and
 * nothing is changed.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { AdvisoryRecord, AdvisoryType, PlatformView, ReferenceInput, ReferenceType, Severity } from '../api-types.ts';
import { ErrorBox, Loading, NotLoaded, Options, StateBadge } from '../components.tsx';
import { ADVISORY_TYPES, REFERENCE_TYPES, SEVERITIES, referenceName, typeName, typesFrom } from '../errata-terms.ts';
import { useRequest, useResource, useTitle } from '../hooks.ts';
import { Link, navigate } from '../router.ts';
import { hasRole, useSession } from '../session.ts';
import { PackagePicker } from './package-picker.tsx';

interface RefRow {
  key: number;
  type: ReferenceType;
  id: string;
  href: string;
  title: string;
}

/** What the form holds. */
interface Fields {
  platform: string;
  type: AdvisoryType;
  severity: Severity | '';
  title: string;
  description: string;
  solution: string;
  rebootSuggested: boolean;
  references: RefRow[];
  packages: string[];
}

let nextKey = 1;
const row = (r: Partial<RefRow> = {}): RefRow => ({ key: nextKey++, type: 'cve', id: '', href: '', title: '', ...r });

function fieldsOf(a: AdvisoryRecord): Fields {
  return {
    platform: a.platform,
    type: a.type,
    severity: a.severity ?? '',
    title: a.title,
    description: a.description,
    solution: a.solution,
    rebootSuggested: a.rebootSuggested,
    references: a.references.map((r) => row({ type: r.type, id: r.id, href: r.href ?? '', title: r.title ?? '' })),
    packages: a.packages.map((p) => p.nevra),
  };
}

/** The rows given (a row left wholly empty is no reference), as the API takes them. */
function referencesOf(rows: RefRow[]): ReferenceInput[] {
  return rows
    .filter((r) => r.id.trim() !== '' || r.href.trim() !== '' || r.title.trim() !== '')
    .map((r) => ({ type: r.type, id: r.id.trim(), ...(r.href.trim() && { href: r.href.trim() }), ...(r.title.trim() && { title: r.title.trim() }) }));
}

/** The body of PATCH /errata/ID: the fields that differ from `a` (none: null). */
function changesOf(a: AdvisoryRecord, f: Fields): Record<string, unknown> | null {
  const was = fieldsOf(a);
  const out: Record<string, unknown> = {};
  if (a.state === 'released') {
    if (f.description !== was.description) out.description = f.description;
    if (f.solution !== was.solution) out.solution = f.solution;
    const added = referencesOf(f.references);
    if (added.length > 0) out.addReferences = added;
  } else {
    for (const k of ['type', 'title', 'description', 'solution', 'rebootSuggested'] as const) if (f[k] !== was[k]) out[k] = f[k];
    if (f.severity !== was.severity) out.severity = f.severity === '' ? null : f.severity;
    const refs = referencesOf(f.references);
    if (JSON.stringify(refs) !== JSON.stringify(referencesOf(was.references))) out.references = refs;
    if (JSON.stringify(f.packages) !== JSON.stringify(was.packages)) out.packages = f.packages;
  }
  return Object.keys(out).length > 0 ? out : null;
}

function ReferenceRows({ rows, onChange, label }: { rows: RefRow[]; onChange: (rows: RefRow[]) => void; label: string }): JSX.Element {
  const update = (key: number, change: Partial<RefRow>): void => onChange(rows.map((r) => (r.key === key ? { ...r, ...change } : r)));
  return (
    <fieldset>
      <legend>{label}</legend>
      <p class="muted small">CVE ids (CVE-2026-1234), bug numbers, the upstream advisory (RHSA-2026:1234) with its link; a row left empty is ignored.</p>
      {rows.map((r, n) => (
        <div class="source-row" key={r.key} role="group" aria-label={`Reference ${n + 1}`}>
          <div class="field">
            <label for={`ref-type-${r.key}`}>Kind {n + 1}</label>
            <select id={`ref-type-${r.key}`} value={r.type} onChange={(e) => update(r.key, { type: e.currentTarget.value as ReferenceType })}>
              <Options values={REFERENCE_TYPES} label={referenceName} />
            </select>
          </div>
          <div class="field">
            <label for={`ref-id-${r.key}`}>Id {n + 1}</label>
            <input id={`ref-id-${r.key}`} type="text" autoComplete="off" spellcheck={false} value={r.id} onInput={(e) => update(r.key, { id: e.currentTarget.value })} />
          </div>
          <div class="field grow">
            <label for={`ref-href-${r.key}`}>Link {n + 1}</label>
            <input id={`ref-href-${r.key}`} type="text" inputMode="url" autoComplete="off" spellcheck={false} value={r.href} onInput={(e) => update(r.key, { href: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for={`ref-title-${r.key}`}>Title {n + 1}</label>
            <input id={`ref-title-${r.key}`} type="text" value={r.title} onInput={(e) => update(r.key, { title: e.currentTarget.value })} />
          </div>
          <button type="button" class="button plain" aria-label={`Remove reference ${n + 1}`} onClick={() => onChange(rows.filter((x) => x.key !== r.key))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" class="button plain" onClick={() => onChange([...rows, row()])}>
        Add a reference
      </button>
    </fieldset>
  );
}

function AdvisoryForm({ advisory, platforms }: { advisory: AdvisoryRecord | null; platforms: PlatformView[] }): JSX.Element {
  const { api } = useSession();
  const amending = advisory?.state === 'released';
  const [f, setF] = useState<Fields>(() =>
    advisory
      ? { ...fieldsOf(advisory), ...(amending && { references: [row()] }) }
      : { platform: platforms.length === 1 ? (platforms[0]?.name ?? '') : '', type: 'security', severity: 'Important', title: '', description: '', solution: '', rebootSuggested: false, references: [row()], packages: [] },
  );
  const { busy, error, setError, run } = useRequest();
  const set = <K extends keyof Fields>(k: K, v: Fields[K]): void => setF((x) => ({ ...x, [k]: v }));
  const types = advisory ? typesFrom(advisory.type) : ADVISORY_TYPES;
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!advisory) {
      const body = {
        platform: f.platform,
        type: f.type,
        ...(f.severity && { severity: f.severity }),
        title: f.title,
        ...(f.description && { description: f.description }),
        ...(f.solution && { solution: f.solution }),
        rebootSuggested: f.rebootSuggested,
        references: referencesOf(f.references),
        packages: f.packages,
      };
      const made = await run(() => api.send<AdvisoryRecord>('POST', '/errata', body));
      if (made) navigate(`/errata/${made.id}`);
      return;
    }
    const change = changesOf(advisory, f);
    if (!change) {
      setError('Nothing to save: no field differs from the advisory.');
      return;
    }
    const saved = await run(() => api.send<AdvisoryRecord>('PATCH', `/errata/${advisory.id}`, change));
    if (saved) navigate(`/errata/${saved.id}`);
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      {advisory?.state === 'approved' && (
        <p class="hint" role="note">
          {advisory.id} is approved: saving a change makes it a draft again, to be approved again.
        </p>
      )}
      {amending && <p class="muted">{advisory.id} is released: an amendment corrects its description or solution, or adds references. The next release of its platform republishes it.</p>}
      {!amending && (
        <fieldset>
          <legend>Advisory</legend>
          <div class="source-row">
            <div class="field">
              <label for="adv-platform">Platform</label>
              {advisory ? (
                <input id="adv-platform" type="text" value={f.platform} readOnly />
              ) : (
                <select id="adv-platform" value={f.platform} onChange={(e) => setF((x) => ({ ...x, platform: e.currentTarget.value, packages: [] }))}>
                  <Options values={platforms.map((p) => p.name)} {...(platforms.length !== 1 && { first: 'choose a platform' })} />
                </select>
              )}
            </div>
            <div class="field">
              <label for="adv-type">Type</label>
              <select id="adv-type" value={f.type} onChange={(e) => set('type', e.currentTarget.value as AdvisoryType)} aria-describedby={advisory ? 'adv-type-help' : undefined}>
                <Options values={types} label={typeName} />
              </select>
              {advisory && (
                <span id="adv-type-help" class="muted small">
                  The id's letter fixes it{types.length > 1 ? ' (enhancement and new package share E)' : ''}.
                </span>
              )}
            </div>
            <div class="field">
              <label for="adv-severity">Severity</label>
              <select id="adv-severity" value={f.severity} onChange={(e) => set('severity', e.currentTarget.value as Severity | '')}>
                <Options values={SEVERITIES} first="none" />
              </select>
            </div>
          </div>
          <div class="field">
            <label for="adv-title">Synopsis</label>
            <input id="adv-title" class="wide" type="text" required maxLength={300} value={f.title} placeholder="Important: foo security update" onInput={(e) => set('title', e.currentTarget.value)} />
          </div>
          <label class="check">
            <input type="checkbox" checked={f.rebootSuggested} onChange={(e) => set('rebootSuggested', e.currentTarget.checked)} /> Installing it needs a reboot
          </label>
        </fieldset>
      )}
      <div class="field">
        <label for="adv-description">Description</label>
        <textarea id="adv-description" rows={5} value={f.description} onInput={(e) => set('description', e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="adv-solution">Solution</label>
        <textarea id="adv-solution" rows={3} value={f.solution} placeholder="Update the packages (dnf upgrade)." onInput={(e) => set('solution', e.currentTarget.value)} />
      </div>
      {amending && advisory.references.length > 0 && (
        <p>
          Its references: {advisory.references.map((r) => r.id).join(', ')}.
        </p>
      )}
      <ReferenceRows label={amending ? 'References to add' : 'References'} rows={f.references} onChange={(rows) => set('references', rows)} />
      {!amending && <PackagePicker platform={f.platform} chosen={f.packages} onChange={(p) => set('packages', p)} />}
      <ErrorBox message={error} />
      <div class="actions">
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Saving…' : advisory ? (amending ? 'Save the amendment' : 'Save changes') : 'Create draft'}
        </button>
        <Link href={advisory ? `/errata/${advisory.id}` : '/errata'} class="button plain">
          Cancel
        </Link>
      </div>
    </form>
  );
}

/** The page's frame when the user may not write advisories. */
function NeedsMaintainer({ title, next }: { title: string; next: string }): JSX.Element {
  const { who } = useSession();
  return (
    <section class="narrow">
      <h1 tabIndex={-1}>{title}</h1>
      <p>
        Writing advisories needs the maintainer role.{' '}
        {who.kind === 'user' ? `You are signed in as ${who.name} (${who.role}).` : <Link href={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</Link>}
      </p>
    </section>
  );
}

export function NewAdvisoryPage(): JSX.Element {
  useTitle('New advisory');
  const { api, who } = useSession();
  const platforms = useResource((signal) => api.get<PlatformView[]>('/platforms', undefined, signal), 'platforms');
  if (!hasRole(who, 'maintainer')) return <NeedsMaintainer title="New advisory" next="/errata/new" />;
  return (
    <section class="narrow wide-form">
      <h1 tabIndex={-1}>New advisory</h1>
      <p class="muted">A draft: an admin approves it, then a release of its platform that carries it publishes it in updateinfo.xml and as OSV.</p>
      <ErrorBox message={platforms.error} />
      {!platforms.data && !platforms.error && <Loading what="platforms" />}
      {platforms.data && <AdvisoryForm advisory={null} platforms={platforms.data} />}
    </section>
  );
}

export function EditAdvisoryPage({ id }: { id: string }): JSX.Element {
  useTitle(`Edit ${id}`);
  const { api, who } = useSession();
  const res = useResource((signal) => api.get<AdvisoryRecord>(`/errata/${id}`, undefined, signal), id);
  if (!hasRole(who, 'maintainer')) return <NeedsMaintainer title={`Edit ${id}`} next={`/errata/${id}/edit`} />;
  const a = res.data;
  if (!a) return <NotLoaded title={`Edit ${id}`} what={`advisory ${id}`} error={res.error} />;
  return (
    <section class="narrow wide-form">
      <h1 tabIndex={-1}>
        {a.state === 'released' ? 'Amend' : 'Edit'} {a.id} <StateBadge state={a.state} />
      </h1>
      {a.state === 'retracted' ? (
        <p>
          A retracted advisory does not change. <Link href={`/errata/${a.id}`}>Back to {a.id}</Link>
        </p>
      ) : (
        <AdvisoryForm key={a.modifiedAt} advisory={a} platforms={[]} />
      )}
    </section>
  );
}
