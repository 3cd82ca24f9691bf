/**
 * Streaming reader of updateinfo.xml: one Advisory per `<update>`, as soon as it closes.
 *
 * Dates (`<issued date=…>`, `<updated date=…>`) are kept as written: createrepo_c and yum write
 * "YYYY-MM-DD HH:MM:SS", some tools epoch seconds. Absent optional fields are "" (or false, or
 * empty lists).
 *
 * Terminology:
 * - update: one advisory (`<update from= status= type= version=>`), identified by `<id>`.
 * - reference: a link to a CVE, bug or the advisory itself (`<reference href= id= type= title=>`).
 * - collection: a group of packages in `<pkglist>` (`short` attribute, `<name>`, for modular
 *   advisories a `<module>`), each `<package>` with NEVRA attributes, `src`, `<filename>`, `<sum>`
 *   and `<reboot_suggested>`.
 */
import type { Advisory, AdvisoryCollection, AdvisoryPackage } from '../model.ts';
import { flag } from './fields.ts';
import { parseItems } from './items.ts';
import type { XmlInput } from './items.ts';
import { CHILDREN, ElementReader, SKIP, metadataHandler } from './metadata-handler.ts';
import type { ElementAction } from './metadata-handler.ts';

/**
 * Yields the advisories of updateinfo.xml in file order.
 *
 * @throws RepoReadError (from the iterator) for malformed XML, an update without `<id>`, a package
 *   without name or version, or an unreadable yes/no value.
 */
export function readUpdateinfo(input: XmlInput, file: string): AsyncGenerator<Advisory, void, undefined> {
  return parseItems(input, file, UPDATEINFO_HANDLER);
}

/** Text children of `<update>` that map to a string field of Advisory. */
type UpdateTextField = 'id' | 'title' | 'rights' | 'release' | 'severity' | 'summary' | 'description' | 'solution';
const UPDATE_TEXT: ReadonlySet<string> = new Set<UpdateTextField>(['id', 'title', 'rights', 'release', 'severity', 'summary', 'description', 'solution']);
const isUpdateText = (name: string): name is UpdateTextField => UPDATE_TEXT.has(name);

function emptyAdvisory(attrs: Record<string, string>): Advisory {
  return {
    id: '',
    type: attrs.type ?? '',
    from: attrs.from ?? '',
    status: attrs.status ?? '',
    version: attrs.version ?? '',
    title: '',
    severity: '',
    release: '',
    rights: '',
    summary: '',
    description: '',
    solution: '',
    issued: '',
    updated: '',
    rebootSuggested: false,
    references: [],
    collections: [],
  };
}

/** Builds advisories from the elements of updateinfo.xml. */
class UpdateinfoReader extends ElementReader<Advisory, string> {
  #advisory: Advisory | null = null;
  #advisoryLine = 0;
  /** The depth-3 section open: `<references>` or `<pkglist>`. */
  #section: 'references' | 'pkglist' | null = null;
  #collection: AdvisoryCollection | null = null;
  #package: AdvisoryPackage | null = null;
  #packageLine = 0;
  /** The type attribute of the text element `<sum>`. */
  #sumType = '';

  open(d: number, name: string, attrs: Record<string, string>): ElementAction<string> {
    const advisory = this.#advisory;
    if (d === 2) {
      if (name !== 'update') return SKIP;
      this.#advisory = emptyAdvisory(attrs);
      this.#advisoryLine = this.ctx.line();
      return CHILDREN;
    }
    if (advisory === null) return SKIP;
    if (d === 3) return this.#updateChild(advisory, name, attrs);
    if (d === 4 && this.#section === 'references' && name === 'reference') {
      advisory.references.push({ type: attrs.type ?? '', href: attrs.href ?? '', id: attrs.id ?? '', title: attrs.title ?? '' });
      return SKIP;
    }
    if (d === 4 && this.#section === 'pkglist' && name === 'collection') {
      this.#collection = { short: attrs.short ?? '', name: '', packages: [] };
      advisory.collections.push(this.#collection);
      return CHILDREN;
    }
    if (d === 5 && this.#collection !== null) return this.#collectionChild(this.#collection, name, attrs);
    if (d === 6 && this.#package !== null && (name === 'filename' || name === 'sum' || name === 'reboot_suggested')) {
      this.#sumType = attrs.type ?? '';
      return name;
    }
    return SKIP;
  }

  #updateChild(advisory: Advisory, name: string, attrs: Record<string, string>): ElementAction<string> {
    if (UPDATE_TEXT.has(name) || name === 'reboot_suggested') return name;
    if (name === 'references' || name === 'pkglist') {
      this.#section = name;
      return CHILDREN;
    }
    if (name === 'issued') advisory.issued = attrs.date ?? '';
    else if (name === 'updated') advisory.updated = attrs.date ?? '';
    return SKIP;
  }

  #collectionChild(collection: AdvisoryCollection, name: string, attrs: Record<string, string>): ElementAction<string> {
    if (name === 'name') return name;
    if (name === 'package') {
      this.#packageLine = this.ctx.line();
      this.#package = {
        name: attrs.name ?? '',
        epoch: attrs.epoch === undefined || attrs.epoch === '' ? '0' : attrs.epoch,
        version: attrs.version ?? '',
        release: attrs.release ?? '',
        arch: attrs.arch ?? '',
        src: attrs.src ?? '',
        filename: '',
      };
      return CHILDREN;
    }
    if (name === 'module') {
      collection.module = {
        name: attrs.name ?? '',
        stream: attrs.stream ?? '',
        version: attrs.version ?? '',
        context: attrs.context ?? '',
        arch: attrs.arch ?? '',
      };
    }
    return SKIP;
  }

  endElement(d: number): void {
    const advisory = this.#advisory;
    if (advisory === null) return;
    if (d === 2) {
      if (advisory.id.trim() === '') this.ctx.fail('<update> has no <id>', this.#advisoryLine);
      this.#advisory = null;
      this.ctx.emit(advisory);
    } else if (d === 3) {
      this.#section = null;
    } else if (d === 4) {
      this.#collection = null;
    } else if (d === 5 && this.#package !== null) {
      const pkg = this.#package;
      if (pkg.name === '') this.ctx.fail('<package> has no name attribute', this.#packageLine);
      if (pkg.version === '') this.ctx.fail(`<package name="${pkg.name}"> has no version attribute`, this.#packageLine);
      this.#collection?.packages.push(pkg);
      this.#package = null;
    }
  }

  endText(name: string, text: string, d: number): void {
    const advisory = this.#advisory;
    if (advisory === null) return;
    if (d === 3) {
      if (isUpdateText(name)) advisory[name] = text;
      else advisory.rebootSuggested = flag(text, '<reboot_suggested>', this.fail);
    } else if (d === 5 && this.#collection !== null) {
      this.#collection.name = text;
    } else if (d === 6 && this.#package !== null) {
      const pkg = this.#package;
      if (name === 'filename') pkg.filename = text;
      else if (name === 'sum') pkg.sum = { type: this.#sumType, value: text.trim() };
      else pkg.rebootSuggested = flag(text, '<reboot_suggested>', this.fail);
    }
  }
}

/** Makes the SAX handler for each parse of updateinfo.xml. */
const UPDATEINFO_HANDLER = metadataHandler('updates', 'updateinfo.xml', UpdateinfoReader);
