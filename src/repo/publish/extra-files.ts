/**
 * The files of a repository's repodata besides primary, filelists and other: updateinfo.xml
 * (rendered from advisories, compressed like the package files), comps.xml (passed through, plain
 * as `group` and gzip as `group_gz`) and modules.yaml (passed through, gzip, `modules`), as
 * createrepo_c and modifyrepo_c name and record them; and the repomd.xml record of any written
 * metadata file. Used by createRepository and by repository versions alike.
 */
import type { Advisory, RepomdRecord } from '../model.ts';
import { updateinfoParts } from '../render/updateinfo.ts';
import type { MetadataCompression } from './compress.ts';
import { writeMetadataBuffer, writeMetadataFile, type WrittenMetadata } from './metadata-file.ts';

/** What a repository carries besides its packages. */
export interface ExtraMetadata {
  advisories?: Advisory[] | undefined;
  /** comps.xml content. */
  groups?: Buffer | undefined;
  /** modules.yaml content. */
  modules?: Buffer | undefined;
}

/** The repomd.xml record of `w`; `open` false leaves out the open-checksum and open-size (an uncompressed file). */
export function metadataRecord(type: string, w: WrittenMetadata, timestamp: number, open = true): RepomdRecord {
  return {
    type,
    checksum: { type: 'sha256', value: w.checksum },
    ...(open ? { openChecksum: { type: 'sha256', value: w.openChecksum } } : {}),
    location: { href: `repodata/${w.fileName}` },
    timestamp,
    size: w.size,
    ...(open ? { openSize: w.openSize } : {}),
  };
}

/** Writes the extra files `extras` holds into `repodata`; their records. */
export async function writeExtraFiles(repodata: string, extras: ExtraMetadata, compression: MetadataCompression, timestamp: number): Promise<RepomdRecord[]> {
  const { advisories, groups, modules } = extras;
  const writes: Promise<RepomdRecord[]>[] = [];
  if (advisories) {
    writes.push(writeMetadataFile(repodata, 'updateinfo.xml', updateinfoParts(advisories), compression).then((w) => [metadataRecord('updateinfo', w, timestamp)]));
  }
  if (groups) {
    writes.push(
      Promise.all([writeMetadataBuffer(repodata, 'comps.xml', groups, 'none'), writeMetadataBuffer(repodata, 'comps.xml', groups, 'gz')]).then(([plain, gz]) => [
        metadataRecord('group', plain, timestamp, false),
        metadataRecord('group_gz', gz, timestamp),
      ]),
    );
  }
  if (modules) writes.push(writeMetadataBuffer(repodata, 'modules.yaml', modules, 'gz').then((w) => [metadataRecord('modules', w, timestamp)]));
  return (await Promise.all(writes)).flat();
}
