/**
 * Creating, editing and deleting advisories. Everything is checked (rules, platform, packages)
 * before anything is stored; a refusal changes nothing.
 *
 * An edit runs in one transaction with the advisory's row locked (FOR UPDATE on PostgreSQL), so
 * two edits never interleave.
 *
 * Editing: a draft takes any change; an approved advisory too, and goes back to draft (it must be
 * approved again); a released one only gets references added and its description or solution
 * amended (that sets `updated`); a retracted one takes nothing. The type may change only within its
 * id's letter (enhancement ↔ newpackage): the id says security, bugfix or enhancement.
 */
import type { Context } from '../context.ts';
import { getPlatform } from '../platforms/store.ts';
import { inTransaction } from '../scheduler/transaction.ts';
import { AdvisoryEditError, InvalidAdvisoryError } from './errors.ts';
import { advisoryPrefix, kindLetters, nextAdvisoryId } from './numbering.ts';
import { resolvePackages } from './packages.ts';
import { getAdvisory } from './read.ts';
import { lockAdvisory } from './lifecycle.ts';
import { ERRATA_LIMITS, type AdvisoryPackage, type AdvisoryRecord, type AdvisoryReference, type CreateAdvisoryInput, type UpdateAdvisoryInput } from './types.ts';
import { checkLine, checkNevra, checkPackageList, checkReferences, checkSeverity, checkText, checkType } from './validate.ts';

/** Writes the references and packages of `id` from position `from` on. */
async function insertLists(tx: Context, id: string, refs: AdvisoryReference[], pkgs: AdvisoryPackage[], refsFrom = 0): Promise<void> {
  const db = tx.db.kysely;
  if (refs.length > 0) {
    await db.insertInto('advisory_references').values(refs.map((r, i) => ({ advisory_id: id, position: refsFrom + i, type: r.type, ref_id: r.id, href: r.href, title: r.title }))).execute();
  }
  for (let i = 0; i < pkgs.length; i += 500) {
    await db
      .insertInto('advisory_packages')
      .values(pkgs.slice(i, i + 500).map((p, k) => ({
        advisory_id: id, position: i + k, nevra: p.nevra, name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch,
        source_name: p.source.name, source_version: p.source.version, source_release: p.source.release,
      })))
      .execute();
  }
}

/**
 * Creates a draft advisory numbered for its platform's prefix, type and the current year.
 * @throws InvalidAdvisoryError, NotFoundError (platform), UnknownPackageError
 */
export async function createAdvisory(ctx: Context, userId: number, input: CreateAdvisoryInput): Promise<AdvisoryRecord> {
  const type = checkType(input.type);
  const severity = checkSeverity(type, input.severity);
  const title = checkLine(input.title, 'title', ERRATA_LIMITS.title);
  const description = checkText(input.description ?? '', 'description');
  const solution = checkText(input.solution ?? '', 'solution');
  const references = checkReferences(input.references ?? []);
  const wanted = checkPackageList(input.packages);
  const platform = await getPlatform(ctx, input.platform);
  const packages = await resolvePackages(ctx, platform.name, wanted);
  const now = ctx.now();
  const id = await inTransaction(ctx, async (tx) => {
    const id = await nextAdvisoryId(tx, advisoryPrefix(platform), type, new Date(now).getUTCFullYear());
    await tx.db.kysely
      .insertInto('advisories')
      .values({
        id, platform: platform.name, type, severity, title, description, solution, reboot_suggested: input.rebootSuggested ? 1 : 0,
        state: 'draft', created_by: userId, created_at: now, modified_at: now,
      })
      .execute();
    await insertLists(tx, id, references, packages);
    return id;
  });
  ctx.log.info({ advisory: id, platform: platform.name, by: userId }, 'advisory created');
  return getAdvisory(ctx, id);
}

const RELEASED_EDITS = new Set(['addReferences', 'description', 'solution']);

/** The fields `input` sets. */
function given(input: UpdateAdvisoryInput): string[] {
  return Object.entries(input).filter(([, v]) => v !== undefined).map(([k]) => k);
}

/** The package list after the change: `packages` or the current one, plus `addPackages`, minus `removePackages`. */
function packageTexts(current: AdvisoryRecord, input: UpdateAdvisoryInput): string[] {
  let list = input.packages ?? current.packages.map((p) => p.nevra);
  const removed = (input.removePackages ?? []).map((p, i) => checkNevra(p, `removePackages[${i}]`).text);
  for (const [i, r] of removed.entries()) if (!list.includes(r)) throw new InvalidAdvisoryError(`removePackages[${i}]: ${r} is not a package of advisory ${current.id}`);
  const added = (input.addPackages ?? []).map((p, i) => checkNevra(p, `addPackages[${i}]`).text);
  list = [...list.filter((p) => !removed.includes(p)), ...added];
  return list;
}

/**
 * Changes an advisory (see the module's description for what each state takes), as user `userId` (logged).
 * @throws NotFoundError, InvalidAdvisoryError, UnknownPackageError, AdvisoryEditError (409)
 */
export async function updateAdvisory(ctx: Context, id: string, input: UpdateAdvisoryInput, userId: number): Promise<AdvisoryRecord> {
  const fields = given(input);
  if (fields.length === 0) throw new InvalidAdvisoryError('nothing to change: give at least one field');
  const was = await inTransaction(ctx, async (tx) => {
    await lockAdvisory(tx, id);
    const current = await getAdvisory(tx, id);
    refuseEdit(current, fields);
    const type = input.type === undefined ? current.type : checkType(input.type);
    if (kindLetters(type) !== kindLetters(current.type)) throw new InvalidAdvisoryError(`type: advisory ${id} is ${current.type} by its id; it cannot become ${type} (create a new advisory)`);
    const severity = checkSeverity(type, input.severity === undefined ? current.severity : input.severity);
    const title = checkLine(input.title ?? current.title, 'title', ERRATA_LIMITS.title);
    const description = checkText(input.description ?? current.description, 'description');
    const solution = checkText(input.solution ?? current.solution, 'solution');
    const refsGiven = input.references !== undefined || input.addReferences !== undefined;
    const references = checkReferences([...(input.references ?? current.references), ...(input.addReferences ?? [])]);
    const pkgsGiven = input.packages !== undefined || input.addPackages !== undefined || input.removePackages !== undefined;
    const packages = pkgsGiven ? await resolvePackages(tx, current.platform, checkPackageList(packageTexts(current, input))) : [];
    const now = ctx.now();
    const db = tx.db.kysely;
    await db
      .updateTable('advisories')
      .set({
        type, severity, title, description, solution, reboot_suggested: (input.rebootSuggested ?? current.rebootSuggested) ? 1 : 0, modified_at: now,
        ...(current.state === 'released' ? { updated_at: now } : { state: 'draft', approved_by: null, approved_at: null }),
      })
      .where('id', '=', id)
      .execute();
    if (refsGiven) await db.deleteFrom('advisory_references').where('advisory_id', '=', id).execute();
    if (pkgsGiven) await db.deleteFrom('advisory_packages').where('advisory_id', '=', id).execute();
    await insertLists(tx, id, refsGiven ? references : [], packages);
    return current.state;
  });
  ctx.log.info({ advisory: id, fields, by: userId }, was === 'approved' ? 'advisory changed; it is a draft again' : 'advisory changed');
  return getAdvisory(ctx, id);
}

/** @throws AdvisoryEditError when the advisory's state does not take a change of `fields`. */
function refuseEdit(a: Pick<AdvisoryRecord, 'id' | 'state'>, fields: string[]): void {
  if (a.state === 'retracted') throw new AdvisoryEditError(`advisory ${a.id} is retracted: it cannot be changed`);
  const refused = a.state === 'released' ? fields.filter((f) => !RELEASED_EDITS.has(f)) : [];
  if (refused.length > 0) throw new AdvisoryEditError(`advisory ${a.id} is released: only addReferences, description and solution may change (not ${refused.join(', ')})`);
}

/**
 * Deletes a draft (its number is not given again). Approved and released advisories are retracted instead.
 * @throws NotFoundError, AdvisoryEditError (409)
 */
export async function deleteDraft(ctx: Context, id: string, userId: number): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const row = await lockAdvisory(tx, id);
    if (row.state !== 'draft') throw new AdvisoryEditError(`advisory ${id} is ${row.state}: only drafts can be deleted${row.state === 'retracted' ? '' : ' (retract it instead)'}`);
    await tx.db.kysely.deleteFrom('advisory_references').where('advisory_id', '=', id).execute();
    await tx.db.kysely.deleteFrom('advisory_packages').where('advisory_id', '=', id).execute();
    await tx.db.kysely.deleteFrom('advisories').where('id', '=', id).execute();
  });
  ctx.log.info({ advisory: id, by: userId }, 'draft advisory deleted');
}
