/**
 * Streaming reader of other.xml: the changelog entries of each package, oldest first as
 * createrepo_c writes them, one entry per `<package>`.
 *
 * Terminology:
 * - entry: `<package pkgid= name= arch=>` with `<version>` and one
 *   `<changelog author= date=>text</changelog>` per changelog entry (date in seconds).
 */
import type { RepoChangelog } from '../model.ts';
import { seconds } from './fields.ts';
import type { XmlInput } from './items.ts';
import { parseBatches, parseItems } from './items.ts';
import { SKIP, metadataHandler } from './metadata-handler.ts';
import { PackageEntryReader } from './package-entry.ts';
import type { PackageEntryId } from './package-entry.ts';

/** One package of other.xml. */
export interface OtherPackage extends PackageEntryId {
  changelogs: RepoChangelog[];
}

/**
 * Yields the entries of other.xml in file order.
 *
 * @throws RepoReadError (from the iterator) for malformed XML, an entry without pkgid, name or
 *   version, or a changelog date that is not a number.
 */
export function readOther(input: XmlInput, file: string): AsyncGenerator<OtherPackage, void, undefined> {
  return parseItems(input, file, OTHER_HANDLER);
}

/** readOther in batches: the packages of each chunk of input together (for the join). */
export function readOtherBatches(input: XmlInput, file: string): AsyncGenerator<OtherPackage[], void, undefined> {
  return parseBatches(input, file, OTHER_HANDLER);
}

/** Reads each `<changelog>` as a text element; its attributes wait in #author and #date. */
class OtherReader extends PackageEntryReader<OtherPackage, 'changelog'> {
  #author = '';
  #date = 0;

  protected start(pkgId: string, name: string, arch: string): OtherPackage {
    return { pkgId, name, arch, epoch: '0', version: '', release: '', changelogs: [] };
  }

  protected child(name: string, attrs: Record<string, string>): 'changelog' | typeof SKIP {
    if (name !== 'changelog') return SKIP;
    this.#author = attrs.author ?? '';
    this.#date = seconds(attrs.date, '<changelog date>', this.fail);
    return name;
  }

  endText(_field: 'changelog', text: string): void {
    this.entry?.changelogs.push({ author: this.#author, date: this.#date, text });
  }
}

/** Makes the SAX handler for each parse of other.xml. */
const OTHER_HANDLER = metadataHandler('otherdata', 'other.xml', OtherReader);
