/**
 * Streaming reader of primary.xml: one RepoPackage per `<package>`, as soon as it closes.
 *
 * A package from primary.xml has the primary subset of its files (see `isPrimaryFile` in the
 * model) and no changelogs; `RepoSource.packages()` completes both from filelists.xml and
 * other.xml.
 *
 * Terminology:
 * - format: the `<format>` element, holding the rpm-specific fields (`rpm:license`, …), the
 *   header range, the dependency lists and the primary files.
 * - required fields: name, arch, version (`ver`), checksum (the pkgId) and location href; a package
 *   without one of them is an error naming the line where it starts.
 */
import type { RepoDepKind, RepoDependency, RepoFileType, RepoPackage } from '../model.ts';
import { parseDependency, parseEvr } from './dependency.ts';
import { count, seconds } from './fields.ts';
import { parseBatches, parseItems } from './items.ts';
import type { XmlInput } from './items.ts';
import { CHILDREN, ElementReader, SKIP, metadataHandler } from './metadata-handler.ts';
import type { ElementAction } from './metadata-handler.ts';

/** A package as primary.xml gives it: `files` is the primary subset, `changelogs` is empty. */
export type PrimaryPackage = RepoPackage;

/**
 * Yields the packages of primary.xml in file order.
 *
 * @param file - named in errors (path or URL).
 * @throws RepoReadError (from the iterator) for malformed XML or a package that lacks a required field.
 */
export function readPrimary(input: XmlInput, file: string): AsyncGenerator<PrimaryPackage, void, undefined> {
  return parseItems(input, file, PRIMARY_HANDLER);
}

/** readPrimary in batches: the packages of each chunk of input together (for the join). */
export function readPrimaryBatches(input: XmlInput, file: string): AsyncGenerator<PrimaryPackage[], void, undefined> {
  return parseBatches(input, file, PRIMARY_HANDLER);
}

/** Elements directly under `<package>` or `<format>` whose text is a field. */
type TextField =
  | 'name'
  | 'arch'
  | 'checksum'
  | 'summary'
  | 'description'
  | 'packager'
  | 'url'
  | 'rpm:license'
  | 'rpm:vendor'
  | 'rpm:group'
  | 'rpm:buildhost'
  | 'rpm:sourcerpm'
  | 'file';

const DEP_LISTS: Readonly<Record<string, RepoDepKind>> = {
  'rpm:provides': 'provides',
  'rpm:requires': 'requires',
  'rpm:conflicts': 'conflicts',
  'rpm:obsoletes': 'obsoletes',
  'rpm:suggests': 'suggests',
  'rpm:enhances': 'enhances',
  'rpm:recommends': 'recommends',
  'rpm:supplements': 'supplements',
};

/** A fresh package with every field at its default: what an element absent from primary.xml leaves. */
export function emptyRepoPackage(): RepoPackage {
  return {
    pkgId: '',
    checksumType: 'sha256',
    name: '',
    arch: '',
    epoch: '0',
    version: '',
    release: '',
    summary: '',
    description: '',
    packager: '',
    url: '',
    time: { file: 0, build: 0 },
    size: { package: 0, installed: 0, archive: 0 },
    location: { href: '' },
    license: '',
    vendor: '',
    group: '',
    buildhost: '',
    sourcerpm: '',
    headerRange: { start: 0, end: 0 },
    provides: [],
    requires: [],
    conflicts: [],
    obsoletes: [],
    suggests: [],
    enhances: [],
    recommends: [],
    supplements: [],
    files: [],
    changelogs: [],
  };
}

/** Parses a file type attribute of `<file>` (primary and filelists). */
export function fileType(type: string | undefined, fail: (message: string) => never): RepoFileType {
  if (type === undefined || type === 'file') return 'file';
  if (type === 'dir' || type === 'ghost') return type;
  return fail(`<file> has unknown type ${JSON.stringify(type)}`);
}

/** Builds packages from the elements of primary.xml. */
class PrimaryReader extends ElementReader<PrimaryPackage, TextField> {
  #pkg: RepoPackage | null = null;
  #pkgLine = 0;
  #hasVersion = false;
  #inFormat = false;
  #deps: RepoDependency[] | null = null;
  #fileType: RepoFileType = 'file';

  open(d: number, name: string, attrs: Record<string, string>): ElementAction<TextField> {
    const pkg = this.#pkg;
    if (d === 2) {
      if (name !== 'package') return SKIP;
      this.#pkg = emptyRepoPackage();
      this.#pkgLine = this.ctx.line();
      this.#hasVersion = false;
      return CHILDREN;
    }
    if (pkg === null) return SKIP;
    if (d === 3) return this.#packageChild(pkg, name, attrs);
    if (d === 4 && this.#inFormat) return this.#formatChild(pkg, name, attrs);
    if (d === 5 && this.#deps !== null && name === 'rpm:entry') this.#deps.push(parseDependency(attrs, this.fail));
    return SKIP;
  }

  #packageChild(pkg: RepoPackage, name: string, attrs: Record<string, string>): ElementAction<TextField> {
    const fail = this.fail;
    switch (name) {
      case 'name':
      case 'arch':
      case 'summary':
      case 'description':
      case 'packager':
      case 'url':
        return name;
      case 'checksum':
        if (attrs.type) pkg.checksumType = attrs.type;
        return name;
      case 'version': {
        const evr = parseEvr(attrs, fail);
        pkg.epoch = evr.epoch;
        pkg.version = evr.version;
        pkg.release = evr.release;
        this.#hasVersion = true;
        return SKIP;
      }
      case 'time':
        pkg.time = { file: seconds(attrs.file, '<time file>', fail), build: seconds(attrs.build, '<time build>', fail) };
        return SKIP;
      case 'size':
        pkg.size = {
          package: count(attrs.package, '<size package>', fail),
          installed: count(attrs.installed, '<size installed>', fail),
          archive: count(attrs.archive, '<size archive>', fail),
        };
        return SKIP;
      case 'location': {
        const href = attrs.href ?? '';
        if (href === '') fail('<location> without href');
        const base = attrs['xml:base'];
        pkg.location = base === undefined ? { href } : { href, base };
        return SKIP;
      }
      case 'format':
        this.#inFormat = true;
        return CHILDREN;
    }
    return SKIP;
  }

  #formatChild(pkg: RepoPackage, name: string, attrs: Record<string, string>): ElementAction<TextField> {
    switch (name) {
      case 'file':
        this.#fileType = fileType(attrs.type, this.fail);
        return name;
      case 'rpm:license':
      case 'rpm:vendor':
      case 'rpm:group':
      case 'rpm:buildhost':
      case 'rpm:sourcerpm':
        return name;
      case 'rpm:header-range':
        pkg.headerRange = {
          start: count(attrs.start, '<rpm:header-range start>', this.fail),
          end: count(attrs.end, '<rpm:header-range end>', this.fail),
        };
        return SKIP;
    }
    const list = DEP_LISTS[name];
    if (list === undefined) return SKIP;
    this.#deps = pkg[list];
    return CHILDREN;
  }

  endElement(d: number): void {
    const pkg = this.#pkg;
    if (pkg === null) return;
    if (d === 2) this.#finish(pkg);
    else if (d === 3) this.#inFormat = false;
    else if (d === 4) this.#deps = null;
  }

  endText(field: TextField, text: string): void {
    const pkg = this.#pkg;
    if (pkg === null) return;
    switch (field) {
      case 'name':
        pkg.name = text;
        break;
      case 'arch':
        pkg.arch = text;
        break;
      case 'checksum':
        pkg.pkgId = text.trim();
        break;
      case 'summary':
        pkg.summary = text;
        break;
      case 'description':
        pkg.description = text;
        break;
      case 'packager':
        pkg.packager = text;
        break;
      case 'url':
        pkg.url = text;
        break;
      case 'rpm:license':
        pkg.license = text;
        break;
      case 'rpm:vendor':
        pkg.vendor = text;
        break;
      case 'rpm:group':
        pkg.group = text;
        break;
      case 'rpm:buildhost':
        pkg.buildhost = text;
        break;
      case 'rpm:sourcerpm':
        pkg.sourcerpm = text;
        break;
      case 'file':
        pkg.files.push({ path: text, type: this.#fileType });
        break;
    }
  }

  #finish(pkg: RepoPackage): void {
    const missing = (what: string): never => this.ctx.fail(`<package> has no ${what}`, this.#pkgLine);
    if (pkg.name === '') missing('<name>');
    if (pkg.arch === '') missing('<arch>');
    if (!this.#hasVersion) missing('<version>');
    if (pkg.pkgId === '') missing('<checksum>');
    if (pkg.location.href === '') missing('<location>');
    this.#pkg = null;
    this.ctx.emit(pkg);
  }
}

/** Makes the SAX handler for each parse of primary.xml. */
const PRIMARY_HANDLER = metadataHandler('metadata', 'primary.xml', PrimaryReader);
