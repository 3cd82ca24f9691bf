/**
 * Streaming reader of filelists.xml: every file, directory and ghost of each package, in header
 * order, one entry per `<package>`.
 *
 * Terminology:
 * - entry: `<package pkgid= name= arch=>` with `<version>` and one `<file type=…>` per path
 *   (type absent: a regular file; "dir"; "ghost").
 */
import type { RepoFile, RepoFileType } from '../model.ts';
import type { XmlInput } from './items.ts';
import { parseBatches, parseItems } from './items.ts';
import { SKIP, metadataHandler } from './metadata-handler.ts';
import { PackageEntryReader } from './package-entry.ts';
import type { PackageEntryId } from './package-entry.ts';
import { fileType } from './primary.ts';

/** One package of filelists.xml. */
export interface FilelistsPackage extends PackageEntryId {
  files: RepoFile[];
}

/**
 * Yields the entries of filelists.xml in file order.
 *
 * @throws RepoReadError (from the iterator) for malformed XML or an entry without pkgid, name or version.
 */
export function readFilelists(input: XmlInput, file: string): AsyncGenerator<FilelistsPackage, void, undefined> {
  return parseItems(input, file, FILELISTS_HANDLER);
}

/** readFilelists in batches: the packages of each chunk of input together (for the join). */
export function readFilelistsBatches(input: XmlInput, file: string): AsyncGenerator<FilelistsPackage[], void, undefined> {
  return parseBatches(input, file, FILELISTS_HANDLER);
}

/** Reads each `<file>` as a text element whose field is its type. */
class FilelistsReader extends PackageEntryReader<FilelistsPackage, RepoFileType> {
  protected start(pkgId: string, name: string, arch: string): FilelistsPackage {
    return { pkgId, name, arch, epoch: '0', version: '', release: '', files: [] };
  }

  protected child(name: string, attrs: Record<string, string>): RepoFileType | typeof SKIP {
    return name === 'file' ? fileType(attrs.type, this.fail) : SKIP;
  }

  endText(type: RepoFileType, path: string): void {
    this.entry?.files.push({ path, type });
  }
}

/** Makes the SAX handler for each parse of filelists.xml. */
const FILELISTS_HANDLER = metadataHandler('filelists', 'filelists.xml', FilelistsReader);
