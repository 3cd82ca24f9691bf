/**
 * Metadata a user gives us to pass through into a repository: comps (package groups) and
 * modules.yaml (module streams). We do not rewrite them, but we refuse files dnf could not read:
 * comps must be well-formed XML with a `<comps>` root; modules.yaml must be YAML documents that
 * each name their `document` type (modulemd, modulemd-defaults, modulemd-obsoletes, …).
 *
 * Terminology:
 * - comps: the group file (`group` in repomd.xml, also `group_gz`), read by `dnf group`.
 * - modulemd: the YAML documents behind `dnf module`; `modules` in repomd.xml.
 */
import { parseAllDocuments } from 'yaml';
import { RepoCreateError, RepoReadError } from './errors.ts';
import { SaxParser } from './xml/sax.ts';

/** What a comps file holds, for the summary line. */
export interface CompsSummary {
  groups: number;
  categories: number;
  environments: number;
}

/** Checks a comps file. @throws RepoCreateError naming `file`. */
export function checkComps(content: Buffer, file: string): CompsSummary {
  const summary: CompsSummary = { groups: 0, categories: 0, environments: 0 };
  let depth = 0;
  let root = '';
  const parser = new SaxParser(
    {
      open(name) {
        if (depth === 0) root = name;
        if (depth === 1 && name === 'group') summary.groups++;
        if (depth === 1 && name === 'category') summary.categories++;
        if (depth === 1 && name === 'environment') summary.environments++;
        depth++;
      },
      text() {},
      close() {
        depth--;
      },
    },
    { file },
  );
  try {
    parser.write(content);
    parser.end();
  } catch (e) {
    const why = e instanceof RepoReadError ? e.message.replace(`${file}: `, '') : (e as Error).message;
    throw new RepoCreateError(`not a valid comps file: ${why}`, file);
  }
  if (root !== 'comps') throw new RepoCreateError(`not a comps file: the root element is <${root}>, not <comps>`, file);
  return summary;
}

/** Checks a modules.yaml file; returns the number of documents per type. @throws RepoCreateError naming `file`. */
export function checkModules(content: Buffer, file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const docs = parseAllDocuments(content.toString('utf8'));
  if (!Array.isArray(docs)) throw new RepoCreateError('not valid YAML', file);
  docs.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) throw new RepoCreateError(`document ${i + 1}: not valid YAML: ${err.message.split('\n')[0] ?? ''}`, file);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const type = typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>).document : undefined;
    if (typeof type !== 'string') throw new RepoCreateError(`document ${i + 1}: no "document:" type (modulemd, modulemd-defaults, …)`, file);
    counts[type] = (counts[type] ?? 0) + 1;
  });
  if (Object.keys(counts).length === 0) throw new RepoCreateError('holds no module documents', file);
  return counts;
}
