/**
 * repomd.xml, the index of a repository's metadata: which files there are (primary, filelists,
 * other, updateinfo, group, modules, …), where, and their checksums and sizes.
 *
 * Terminology:
 * - record: one `<data type="…">` element, describing one metadata file.
 * - checksum: of the file as stored (usually compressed); open checksum / open size: of its
 *   decompressed contents; header checksum / size: of a zchunk file's header.
 * - revision: free text, usually the creation time in seconds; tags: content, repo and distro
 *   (with a CPE id) labels.
 */
import { count, seconds } from './fields.ts';
import { parseItemsSync } from './items.ts';
import { CHILDREN, ElementReader, SKIP, metadataHandler } from './metadata-handler.ts';
import type { ElementAction } from './metadata-handler.ts';
import type { Repomd, RepomdRecord } from '../model.ts';

export type { Repomd, RepomdChecksum, RepomdDistroTag, RepomdRecord, RepomdTags } from '../model.ts';

/** The record of `type`, if repomd.xml lists one. */
export function repomdRecord(repomd: Repomd, type: string): RepomdRecord | undefined {
  return repomd.records.find((r) => r.type === type);
}

/**
 * Parses repomd.xml.
 *
 * @param file - named in errors (path or URL).
 * @throws RepoReadError for malformed XML, a root other than `<repomd>`, a `<data>` without type,
 *   location or checksum, a type listed twice, or a malformed number.
 */
export function parseRepomd(xml: string | Uint8Array, file: string): Repomd {
  const [repomd] = parseItemsSync<Repomd>(xml, file, REPOMD_HANDLER);
  if (!repomd) throw new Error('unreachable: the repomd handler emits once');
  return repomd;
}

/** Builds a Repomd from the elements of repomd.xml; emits it when the root closes. */
class RepomdReader extends ElementReader<Repomd, string> {
  readonly #repomd: Repomd = { revision: null, tags: { content: [], repo: [], distro: [] }, records: [] };
  /** The section open at depth 2: `<data>` (a record) or `<tags>`. */
  #record: RepomdRecord | null = null;
  #recordLine = 0;
  #inTags = false;
  /** The type attribute (checksums) or cpeid (distro tags) of the text element being read. */
  #captureAttr: string | undefined;

  open(d: number, name: string, attrs: Record<string, string>): ElementAction<string> {
    const fail = this.fail;
    if (d === 2) {
      if (name === 'revision') return name;
      if (name === 'tags') this.#inTags = true;
      else if (name === 'data') {
        const type = attrs.type ?? '';
        if (type === '') fail('<data> without a type attribute');
        if (this.#repomd.records.some((r) => r.type === type)) fail(`metadata type ${type} is listed twice`);
        // checksum and location are checked on </data>; placeholders until then.
        this.#record = { type, location: { href: '' }, checksum: { type: '', value: '' } };
        this.#recordLine = this.ctx.line();
      } else return SKIP;
      return CHILDREN;
    }
    if (d === 3 && this.#inTags && (name === 'content' || name === 'repo' || name === 'distro')) {
      this.#captureAttr = attrs.cpeid;
      return name;
    }
    const record = this.#record;
    if (d === 3 && record) {
      switch (name) {
        case 'checksum':
        case 'open-checksum':
        case 'header-checksum':
          this.#captureAttr = attrs.type;
          return name;
        case 'timestamp':
        case 'size':
        case 'open-size':
        case 'header-size':
        case 'database_version':
          return name;
        case 'location': {
          const href = attrs.href ?? '';
          if (href === '') fail(`<location> of ${record.type} has no href`);
          const base = attrs['xml:base'] ?? attrs.base;
          record.location = base === undefined ? { href } : { href, base };
          return SKIP;
        }
      }
    }
    return SKIP;
  }

  endElement(d: number): void {
    if (d === 2 && this.#record) {
      const r = this.#record;
      if (r.checksum.value === '') this.ctx.fail(`<data type="${r.type}"> has no <checksum>`, this.#recordLine);
      if (r.location.href === '') this.ctx.fail(`<data type="${r.type}"> has no <location>`, this.#recordLine);
      this.#repomd.records.push(r);
      this.#record = null;
    } else if (d === 2) {
      this.#inTags = false;
    } else if (d === 1) {
      this.ctx.emit(this.#repomd);
    }
  }

  endText(name: string, raw: string): void {
    const text = raw.trim();
    const fail = this.fail;
    const record = this.#record;
    if (name === 'revision') this.#repomd.revision = text;
    else if (name === 'content' || name === 'repo') this.#repomd.tags[name].push(text);
    else if (name === 'distro') {
      const cpeid = this.#captureAttr;
      this.#repomd.tags.distro.push(cpeid === undefined ? { name: text } : { cpeid, name: text });
    } else if (record) {
      const what = `<${name}> of ${record.type}`;
      switch (name) {
        case 'checksum':
        case 'open-checksum':
        case 'header-checksum': {
          const type = this.#captureAttr ?? '';
          if (type === '') fail(`${what} has no type attribute`);
          if (!/^[0-9a-fA-F]+$/.test(text)) fail(`${what} is not a hex digest: ${JSON.stringify(text)}`);
          const sum = { type, value: text.toLowerCase() };
          if (name === 'checksum') record.checksum = sum;
          else if (name === 'open-checksum') record.openChecksum = sum;
          else record.headerChecksum = sum;
          break;
        }
        case 'timestamp':
          record.timestamp = seconds(text, what, fail);
          break;
        case 'size':
          record.size = count(text, what, fail);
          break;
        case 'open-size':
          record.openSize = count(text, what, fail);
          break;
        case 'header-size':
          record.headerSize = count(text, what, fail);
          break;
        case 'database_version':
          record.databaseVersion = count(text, what, fail);
          break;
      }
    }
  }
}

/** Makes the SAX handler for each parse of repomd.xml. */
const REPOMD_HANDLER = metadataHandler('repomd', 'repomd.xml', RepomdReader);
